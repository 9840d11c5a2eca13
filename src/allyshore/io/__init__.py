"""Reading and writing networks: a folder of CSV files, an XLSX workbook or one JSON document."""

from allyshore.io.readers import load_network, parse_document, read_raw, validate_path
from allyshore.io.writers import write_network

__all__ = ["load_network", "parse_document", "read_raw", "validate_path", "write_network"]
