"""The supply-network model: format, tables and the compiled node graph."""

from allyshore.model.network import Network
from allyshore.model.schema import TABLES, json_schema

__all__ = ["TABLES", "Network", "json_schema"]
