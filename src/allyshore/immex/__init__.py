"""IMMEX control: a ledger of temporary imports by pedimento, FIFO discharge through the BOM, deadlines and
their costs, the Anexo 24 reports and the VAT/IEPS certification figures (docs/immex.md)."""
