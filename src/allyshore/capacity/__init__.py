"""Mexico's industrial capacity: INEGI's DENUE establishments imported, mapped by state and SCIAN class,
and matched to the parts of a supply network (HS -> NAICS -> SCIAN).

The stored establishment table's columns are fixed in :mod:`allyshore.capacity.schema`.
"""
