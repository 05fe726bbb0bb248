"""The collector is held off during a chunk and catches what the chunk left in cycles right after it."""

import gc
import weakref

from ordex.core.gc_tuning import collect_after


class _Node:
    pass


def test_a_cycle_made_inside_the_block_is_collected_when_it_ends():
    with collect_after():
        assert not gc.isenabled()
        node = _Node()
        node.me = node  # a reference cycle: reference counting alone never frees it
        alive = weakref.ref(node)
        del node
        assert alive() is not None
    assert gc.isenabled()
    assert alive() is None


def test_an_inner_block_leaves_the_collector_to_the_outer_one():
    with collect_after():
        with collect_after():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_back_on_when_the_block_fails():
    try:
        with collect_after():
            raise RuntimeError("the chunk failed")
    except RuntimeError:
        pass
    assert gc.isenabled()
