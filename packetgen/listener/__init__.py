"""The live feed: an MLLP listener that stores each message, acknowledges it, then makes its packet.

A door around the pipeline: it calls the library API (`build`, `batch.run_task`)
and the store, and the pipeline never imports it.
"""
