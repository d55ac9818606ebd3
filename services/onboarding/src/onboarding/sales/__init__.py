"""Sales leads from the public site: stored, then announced so notifications can tell the sales inbox."""
