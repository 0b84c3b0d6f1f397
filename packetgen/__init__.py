"""Procedure-packet generator: clinical content + appointments → personalized PDF packets."""

import logging

__version__ = "0.1.0"

# A library logs nowhere until its program says where (`logs.configure`, called by each door): not
# through logging's last resort, whose format would print an exception's message.
logging.getLogger(__name__).addHandler(logging.NullHandler())
