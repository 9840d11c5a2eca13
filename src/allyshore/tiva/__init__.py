"""Trade in value added: the value-added origin of each country-sector's output and exports, from a world
input-output table (Leontief inverse; the Koopman-Wang-Wei / Los-Timmer-de Vries decompositions)."""
