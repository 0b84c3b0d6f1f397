"""The PDF after drawing: PDF/A-2b and the tagged structure tree (`archival`), writing a packet
inside the output folder (`output`), and the day's print run of many packets (`print_run`)."""
