"""Experiments: one module per scientific claim (``run(ctx) -> metrics``) plus ``configs/NAME.yaml``."""
from pathlib import Path

CONFIG_DIR = Path(__file__).with_name("configs")
