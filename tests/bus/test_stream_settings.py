"""The sales stream and HQ's ingest consumer are made with the chosen settings, read back
from a real NATS server; made again, nothing changes; one with other settings is named,
difference by difference, and left as it is."""
import dataclasses

import pytest
from nats.js.api import RetentionPolicy, StorageType, StreamConfig

from server.bus.stream import (
    BusSettingsDiffer,
    ConsumerSpec,
    StreamSpec,
    ensure_consumer,
    ensure_stream,
)

DAY_S = 86400


def specs(bus_names) -> tuple[StreamSpec, ConsumerSpec]:
    """Head office's stream and consumer settings, under this test's own names."""
    stream = StreamSpec(name=bus_names.stream, prefix=bus_names.prefix)
    return stream, ConsumerSpec(stream=stream)


async def test_the_stream_is_made_with_the_chosen_settings(js, bus_names):
    stream, _ = specs(bus_names)
    await ensure_stream(js, stream)
    config = (await js.stream_info(bus_names.stream)).config
    assert config.subjects == [f"{bus_names.prefix}.>"]
    assert (config.retention, config.storage, config.discard) == ("limits", "file", "new")
    assert config.max_age >= 7 * DAY_S and config.max_age == 14 * DAY_S
    assert config.max_bytes == 10 * 1024 ** 3
    assert (config.duplicate_window, config.num_replicas) == (120, 1)


async def test_ensuring_the_stream_again_changes_nothing(js, bus_names):
    stream, _ = specs(bus_names)
    first = await ensure_stream(js, stream)
    await js.publish(f"{bus_names.prefix}.store-a", b"{}")
    again = await ensure_stream(js, stream)
    assert again.created == first.created and again.config == first.config
    assert again.state.messages == 1  # its message is still there


async def test_a_stream_with_other_settings_is_named_and_left_alone(js, bus_names):
    stream, _ = specs(bus_names)
    other = StreamConfig(name=bus_names.stream, subjects=[f"{bus_names.prefix}.>"],
                         retention=RetentionPolicy.INTEREST, storage=StorageType.FILE,
                         max_age=3600, max_bytes=stream.max_bytes, discard=stream.discard,
                         duplicate_window=120, num_replicas=1)
    await js.add_stream(config=other)
    with pytest.raises(BusSettingsDiffer) as refused:
        await ensure_stream(js, stream)
    assert [d.split(" ")[0] for d in refused.value.differences] == ["retention", "max_age"]
    assert "max_age is 3600.0, head office's is 1209600.0" in str(refused.value)
    held = (await js.stream_info(bus_names.stream)).config
    assert (held.retention, held.max_age) == ("interest", 3600)


async def test_the_ingest_consumer_is_made_with_the_chosen_settings(js, bus_names):
    stream, consumer = specs(bus_names)
    await ensure_stream(js, stream)
    await ensure_consumer(js, consumer)
    config = (await js.consumer_info(bus_names.stream, "hq-ingest")).config
    assert (config.durable_name, config.ack_policy, config.deliver_policy) == (
        "hq-ingest", "explicit", "all")
    assert config.ack_wait >= 60 and config.max_ack_pending == 256
    assert config.max_deliver == -1 and config.filter_subject == f"{bus_names.prefix}.>"


async def test_ensuring_the_consumer_again_changes_nothing(js, bus_names):
    stream, consumer = specs(bus_names)
    await ensure_stream(js, stream)
    first = await ensure_consumer(js, consumer)
    again = await ensure_consumer(js, consumer)
    assert again.created == first.created and again.config == first.config


async def test_a_consumer_with_other_settings_is_named_and_left_alone(js, bus_names):
    stream, consumer = specs(bus_names)
    await ensure_stream(js, stream)
    other = dataclasses.replace(consumer.config(), ack_wait=30, max_deliver=5)
    await js.add_consumer(bus_names.stream, config=other)
    with pytest.raises(BusSettingsDiffer) as refused:
        await ensure_consumer(js, consumer)
    assert [d.split(" ")[0] for d in refused.value.differences] == ["ack_wait", "max_deliver"]
    held = (await js.consumer_info(bus_names.stream, "hq-ingest")).config
    assert (held.ack_wait, held.max_deliver) == (30, 5)
