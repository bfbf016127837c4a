"""The refresh schedule: cacheDuration and validUntil are upper bounds, jitter only moves a refresh earlier."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from ehkit.sp.metadata_cache import MetadataCache, PinnedTrust
from support import network as n
from support.metadata import build_metadata


class FixedRandom(random.Random):
    """A random source that always answers ``value`` (the schedule's two ends)."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def _cache(net, tmp_path, *, rng, jitter=0.1, **metadata):
    path = tmp_path / "md.xml"
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm], **metadata))
    return MetadataCache(
        entity_id=n.HM_ENTITY,
        trust=PinnedTrust((net.hm.certificate,)),
        file=path,
        refresh_interval=timedelta(hours=24),
        jitter=jitter,
        rng=rng,
    )


@pytest.mark.parametrize(("draw", "expected"), [(0.0, timedelta(hours=1)), (0.999, timedelta(seconds=3600 - 359.64))])
def test_jitter_moves_the_refresh_earlier_within_cache_duration(net, tmp_path, t0, draw, expected):
    cache = _cache(net, tmp_path, rng=FixedRandom(draw), cache_duration="PT1H")
    cache.get(now=t0)
    assert cache.next_refresh == t0 + expected


def test_valid_until_is_never_passed_even_with_jitter(net, tmp_path, t0):
    until = t0 + timedelta(hours=2)
    for draw in (0.0, 0.5, 0.999):
        cache = _cache(net, tmp_path, rng=FixedRandom(draw), valid_until=until)
        cache.get(now=t0)
        assert t0 < cache.next_refresh < until - timedelta(minutes=11)


def test_a_failed_refresh_is_retried_within_five_minutes(net, tmp_path, t0):
    cache = _cache(net, tmp_path, rng=FixedRandom(0.5))
    cache.get(now=t0)
    (tmp_path / "md.xml").write_bytes(b"<broken/>")
    assert cache.refresh(now=t0 + timedelta(hours=25)) is False
    assert cache.last_refresh is not None and not cache.last_refresh.ok
    assert t0 + timedelta(hours=25, minutes=4) < cache.next_refresh <= t0 + timedelta(hours=25, minutes=5)
    assert cache.current is not None  # the last good copy stays


def test_jitter_must_be_a_share(net, tmp_path):
    with pytest.raises(ValueError, match="jitter"):
        _cache(net, tmp_path, rng=None, jitter=1.5)
