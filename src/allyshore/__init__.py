"""allyshore: an ally-shoring workbench for multi-tier supply networks.

>>> import allyshore
>>> network = allyshore.Network.from_dict({
...     "sites": [{"site_id": "S", "country": "Mexico", "kind": "supplier"}],
...     "items": [{"item_id": "X"}],
...     "supply": [{"site_id": "S", "item_id": "X", "unit_price": 2.5}],
...     "demand": [{"site_id": "S", "item_id": "X", "units_per_week": 10}],
... })
>>> network.sites["country"].to_list()
['MX']
"""

from allyshore.errors import AllyshoreError, InputError, NotFoundError, Problem, ValidationError
from allyshore.io import load_network, write_network
from allyshore.model import Network

__version__ = "0.1.0"

__all__ = [
    "AllyshoreError",
    "InputError",
    "Network",
    "NotFoundError",
    "Problem",
    "ValidationError",
    "__version__",
    "load_network",
    "write_network",
]
