"""Decodes TensorBoard event files with python3-protobuf and python3-crc32c and
checks them against a run's metrics.jsonl and samples.jsonl.

usage: tensorboard_check.py EVENTS_DIR RUN_DIR

Every record's framing is checked (both masked CRC-32Cs, with crc32c's own
implementation), each file starts with file_version "brain.Event:2", and the
multiset of (tag, step, value) in the files equals the one metrics.jsonl and
samples.jsonl give: every scalar bit-equal to the float32 of its JSON value,
every sample's text equal, nothing missing and nothing extra.

The message types are built at run time from descriptors whose names, field
numbers and types are those of TensorBoard's tensorboard/compat/proto/event.proto,
summary.proto, tensor.proto and tensor_shape.proto (only the fields charnn
writes); python3-protobuf parses the bytes against them.
"""
import glob
import json
import math
import os
import struct
import sys

import crc32c
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def build_messages():
    fd = descriptor_pb2.FileDescriptorProto(name="charnn_tb_check.proto", package="tensorboard", syntax="proto3")

    def message(name, fields):
        m = fd.message_type.add(name=name)
        for fname, number, ftype, label, type_name in fields:
            f = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                f.type_name = ".tensorboard." + type_name
        return m

    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    message("TensorShapeProto", [("unknown_rank", 3, F.TYPE_BOOL, opt, None)])
    message("TensorProto", [("dtype", 1, F.TYPE_INT32, opt, None),  # enum DataType: DT_STRING = 7
                            ("tensor_shape", 2, F.TYPE_MESSAGE, opt, "TensorShapeProto"),
                            ("string_val", 8, F.TYPE_BYTES, rep, None)])
    message("PluginData", [("plugin_name", 1, F.TYPE_STRING, opt, None), ("content", 2, F.TYPE_BYTES, opt, None)])
    message("SummaryMetadata", [("plugin_data", 1, F.TYPE_MESSAGE, opt, "PluginData")])
    message("Value", [("tag", 1, F.TYPE_STRING, opt, None), ("simple_value", 2, F.TYPE_FLOAT, opt, None),
                      ("tensor", 8, F.TYPE_MESSAGE, opt, "TensorProto"),
                      ("metadata", 9, F.TYPE_MESSAGE, opt, "SummaryMetadata")])
    message("Summary", [("value", 1, F.TYPE_MESSAGE, rep, "Value")])
    message("Event", [("wall_time", 1, F.TYPE_DOUBLE, opt, None), ("step", 2, F.TYPE_INT64, opt, None),
                      ("file_version", 3, F.TYPE_STRING, opt, None), ("summary", 5, F.TYPE_MESSAGE, opt, "Summary")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    desc = pool.FindMessageTypeByName("tensorboard.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def masked(data):
    crc = crc32c.crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(path):
    with open(path, "rb") as f:
        blob = f.read()
    pos = 0
    while pos < len(blob):
        assert len(blob) - pos >= 12, f"{path}: truncated record header at byte {pos}"
        head = blob[pos:pos + 8]
        (n,) = struct.unpack("<Q", head)
        (c1,) = struct.unpack("<I", blob[pos + 8:pos + 12])
        assert c1 == masked(head), f"{path}: length CRC wrong at byte {pos}"
        data = blob[pos + 12:pos + 12 + n]
        assert len(data) == n and len(blob) >= pos + 16 + n, f"{path}: truncated record at byte {pos}"
        (c2,) = struct.unpack("<I", blob[pos + 12 + n:pos + 16 + n])
        assert c2 == masked(data), f"{path}: data CRC wrong at byte {pos}"
        yield data
        pos += 16 + n


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def expected(run_dir):
    want = []
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for line in f:
            j = json.loads(line)
            it = j.get("iter", 0)
            if j["event"] == "train":
                want += [("loss/train", it, f32(j["loss"])), ("bpc/train", it, f32(j["loss"] / math.log(2))),
                         ("lr", it, f32(j["lr"])), ("grad_norm", it, f32(j["grad_norm"])),
                         ("chars_per_sec", it, f32(j["chars_per_sec"]))]
            elif j["event"] == "val":
                want += [("loss/val", it, f32(j["val_loss"])), ("bpc/val", it, f32(j["val_bpc"]))]
    samples = os.path.join(run_dir, "samples.jsonl")
    if os.path.exists(samples):
        with open(samples) as f:
            for line in f:
                j = json.loads(line)
                want.append(("samples/temperature_%g" % j["temperature"], j["iter"], j["text"]))
    return want


def main():
    events_dir, run_dir = sys.argv[1], sys.argv[2]
    Event = build_messages()
    files = sorted(glob.glob(os.path.join(events_dir, "events.out.tfevents.*")))
    assert files, f"{events_dir}: no event files"
    got, n_records = [], 0
    for path in files:
        for k, data in enumerate(records(path)):
            n_records += 1
            e = Event()
            e.ParseFromString(data)
            assert e.wall_time > 1e9, f"{path}: record {k}: wall_time {e.wall_time} is not a Unix time"
            if k == 0:
                assert e.file_version == "brain.Event:2", f"{path}: first record is not file_version brain.Event:2"
                continue
            for v in e.summary.value:
                if v.HasField("tensor"):
                    assert v.metadata.plugin_data.plugin_name == "text", f"{v.tag}: tensor without the text plugin"
                    assert v.tensor.dtype == 7 and len(v.tensor.string_val) == 1, f"{v.tag}: not one DT_STRING"
                    got.append((v.tag, e.step, v.tensor.string_val[0].decode("utf-8")))
                else:
                    got.append((v.tag, e.step, v.simple_value))
    want = expected(run_dir)
    key = lambda t: (t[0], t[1], str(t[2]))
    missing = sorted(set(map(key, want)) - set(map(key, got)))[:5]
    extra = sorted(set(map(key, got)) - set(map(key, want)))[:5]
    assert sorted(map(key, got)) == sorted(map(key, want)), f"missing {missing}, extra {extra}"
    scalars = sum(1 for t in want if not isinstance(t[2], str))
    print(f"{len(files)} file(s), {n_records} records, {scalars} scalars and {len(want) - scalars} texts: all equal")


if __name__ == "__main__":
    main()
