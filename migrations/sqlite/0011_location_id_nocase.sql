-- A TMAS location ID names one store whatever its case: "nw-001" and "NW-001" cannot both
-- exist in a tenant (people type IDs in either case, and reports would show two stores).
CREATE UNIQUE INDEX locations_tenant_location_id_nocase ON locations (tenant_id, LOWER(location_id));
