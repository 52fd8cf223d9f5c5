"""Region construction helpers (regions.base)."""
import pytest

from regions.base import Region
from regions.neurons import lif_conductance, make_group


class _Two(Region):
    kind = "two"
    Params = dict

    def build(self):
        cells = make_group(lif_conductance(), 30, self.object_name("cells"))
        subs = self.add_shared_group("cells", cells, {"a": 10, "b": 20})
        self.add_group("b", subs["b"])                 # the region picks the registration order
        self.add_group("a", subs["a"])


def test_shared_group_gives_named_subgroups_at_running_offsets():
    r = _Two("r")
    a, b = r.groups["a"], r.groups["b"]
    assert (a.name, a.start, a.stop) == ("r_a", 0, 10) and (b.name, b.start, b.stop) == ("r_b", 10, 30)
    assert list(r.populations) == ["b", "a"]           # the parent is not recorded, its populations are
    assert [o.name for o in r.objects] == ["r_cells"]  # subgroups are views: only the parent runs


def test_shared_group_refuses_sizes_that_do_not_fill_the_group():
    class Bad(_Two):
        def build(self):
            self.add_shared_group("cells", make_group(lif_conductance(), 30, self.object_name("cells")), {"a": 10})
    with pytest.raises(ValueError, match="r_cells: sizes add up to 10, the group has 30 cells"):
        Bad("r")
