import logging

# WeasyPrint logs every step of every layout at INFO, from the moment it is imported (a line per
# page of each report). Set before anything imports it, so logs keep only what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
