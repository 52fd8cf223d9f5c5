"""Brain regions: each module holds one region class (a :class:`regions.base.Region` subclass)."""
