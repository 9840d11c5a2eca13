"""Reading and writing networks: a folder of CSV files (or a .zip of them), an XLSX workbook or one JSON document."""

from allyshore.io.limits import ReadLimits
from allyshore.io.readers import load_network, parse_document, read_raw, validate_path
from allyshore.io.writers import write_network

__all__ = ["ReadLimits", "load_network", "parse_document", "read_raw", "validate_path", "write_network"]
