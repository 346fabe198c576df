// placeholder, replaced by the engine's host services table
