"""Small helpers shared by several ehkit packages (no eHerkenning knowledge here)."""
