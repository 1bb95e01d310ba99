#!/usr/bin/python3
"""Builds a random-weight Parakeet-TDT-shaped ONNX model of real size, for memory tests and benchmarks.

The files have the public export's names, inputs, outputs and shapes (istupakov/parakeet-tdt-0.6b-v2-onnx, what onnx-asr
and the sidecar load): encoder audio_signal [B,128,T] float32 + length [B] int64 -> outputs [B,1024,T'] + encoded_lengths
[B] (T' = ceil(T/8)); decoder_joint encoder_outputs [B,1024,1], targets [B,1] int32, target_length [B] int32,
input_states_1/2 [2,B,640] -> outputs [B,1,1,1030] (1024 tokens + blank + 5 durations), prednet_lengths, output_states_1/2;
vocab.txt with 1025 entries, config.json.

What matters for memory is the encoder's weights: 24 layers of FastConformer-sized matrices (two 1024x4096 feed-forward
pairs, four 1024x1024 attention projections, a 1024x2048 / 2048x1024 convolution pair), 604 M parameters in all, every
one used by the graph so ONNX Runtime keeps (and prepacks) them all:

  --precision int8   encoder-model.int8.onnx, one self-contained file of ~604 MB int8 initializers, run as onnx-asr's int8
                     export runs them (DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul, which ONNX Runtime fuses);
                     decoder_joint-model.int8.onnx.
  --precision float  encoder-model.onnx + encoder-model.onnx.data, ~2.4 GB float32 as external data (a protobuf file is
                     limited to 2 GB, which is why the real export does the same); decoder_joint-model.onnx.

To keep recognition cheap on a loaded machine the layers run on one vector (the time-averaged features), not on every
frame; the weights are still all read. The text is nonsense; decoding ends (at most 10 tokens per encoder frame).
Weights are written tensor by tensor (the float variant streams into the .data file), so memory stays near one model copy.

Usage: /usr/bin/python3 make_sized_parakeet.py OUT_DIR [--precision int8|float] [--layers 24] [--seed 1]
"""

import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FEATURES = 128
D = 1024  # encoder output size
L, H = 2, 640  # decoder LSTM layers and hidden size
VOCAB_SIZE = 1024  # text tokens; the blank is id 1024
DURATIONS = 5
OUT = VOCAB_SIZE + 1 + DURATIONS
ALIGN = 4096  # external data offsets on page boundaries, so ONNX Runtime can map them


def layer_matrices():
    """(K, N) of each encoder matrix of one layer, chained so each output feeds the next input."""
    return [(D, 4 * D), (4 * D, D), (D, D), (D, D), (D, D), (D, D), (D, 2 * D), (2 * D, D), (D, 4 * D), (4 * D, D)]


class Weights:
    """Writes initializers inline (int8) or into an external data file (float), one tensor at a time."""

    def __init__(self, precision, data_path, seed):
        self.precision = precision
        self.rng = np.random.default_rng(seed)
        self.data_path = data_path
        self.data = open(data_path, "wb") if data_path else None
        self.offset = 0

    def matrix(self, name, k, n):
        if self.precision == "int8":
            return numpy_helper.from_array(self.rng.integers(-127, 128, size=(k, n), dtype=np.int8), name)
        values = self.rng.standard_normal(size=(k, n), dtype=np.float32)
        values *= 1.0 / np.sqrt(k)
        return self.external(name, values)

    def external(self, name, values):
        pad = (-self.offset) % ALIGN
        self.data.write(b"\0" * pad)
        self.offset += pad
        raw = values.tobytes()
        self.data.write(raw)
        tensor = TensorProto()
        tensor.name = name
        tensor.data_type = TensorProto.FLOAT
        tensor.dims.extend(values.shape)
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in (("location", os.path.basename(self.data_path)), ("offset", str(self.offset)), ("length", str(len(raw)))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        self.offset += len(raw)
        return tensor

    def close(self):
        if self.data:
            self.data.close()


def build_encoder(path, precision, layers, seed):
    data_path = path + ".data" if precision == "float" else None
    weights = Weights(precision, data_path, seed)
    c = lambda value, name, dtype=np.int64: numpy_helper.from_array(np.array(value, dtype), name)  # noqa: E731
    inits = [c(2, "idx2"), c(0, "idx0"), c(7, "seven"), c(8, "eight"), c([0], "axes0"), c([2], "axes2"),
             c(np.zeros((), np.uint8), "w_zero", np.int8)]
    rng = np.random.default_rng(seed + 1000)
    inits.append(numpy_helper.from_array((rng.standard_normal((FEATURES, D)) / np.sqrt(FEATURES)).astype(np.float32), "proj"))
    nodes = [
        helper.make_node("ReduceMean", ["audio_signal"], ["pooled"], axes=[2], keepdims=0),  # [B, 128]
        helper.make_node("MatMul", ["pooled", "proj"], ["h_in"]),
        helper.make_node("Tanh", ["h_in"], ["h0"]),
    ]
    h = "h0"
    step = 0
    for layer in range(layers):
        for k, n in layer_matrices():
            name = f"layers.{layer}.w{step}"
            inits.append(weights.matrix(name, k, n))
            out = f"h{step + 1}"
            if precision == "int8":
                # What onnxruntime.quantization.quantize_dynamic writes for a MatMul with int8 weights.
                inits.append(c(2.0 / (127.0 * np.sqrt(k)), f"{name}.scale", np.float32))
                nodes += [
                    helper.make_node("DynamicQuantizeLinear", [h], [f"{name}.xq", f"{name}.xs", f"{name}.xz"]),
                    helper.make_node("MatMulInteger", [f"{name}.xq", name, f"{name}.xz", "w_zero"], [f"{name}.acc"]),
                    helper.make_node("Cast", [f"{name}.acc"], [f"{name}.accf"], to=TensorProto.FLOAT),
                    helper.make_node("Mul", [f"{name}.xs", f"{name}.scale"], [f"{name}.s"]),
                    helper.make_node("Mul", [f"{name}.accf", f"{name}.s"], [f"{name}.y"]),
                ]
            else:
                nodes.append(helper.make_node("MatMul", [h, name], [f"{name}.y"]))
            nodes.append(helper.make_node("Tanh", [f"{name}.y"], [out]))
            h = out
            step += 1
    weights.close()
    nodes += [
        # outputs [B, D, T']: the layer stack's vector on every frame; T' = (T + 7) / 8, as the 8x subsampling gives.
        helper.make_node("Shape", ["audio_signal"], ["shape"]),
        helper.make_node("Gather", ["shape", "idx2"], ["t_in"], axis=0),
        helper.make_node("Add", ["t_in", "seven"], ["t_plus"]),
        helper.make_node("Div", ["t_plus", "eight"], ["t_out"]),
        helper.make_node("Unsqueeze", ["t_out", "axes0"], ["t_out1"]),
        helper.make_node("Unsqueeze", [h, "axes2"], ["h_col"]),  # [B, D, 1]
        helper.make_node("Shape", ["h_col"], ["h_shape"]),
        helper.make_node("Slice", ["h_shape", "idx0_1", "two_1"], ["bd"]),
        helper.make_node("Concat", ["bd", "t_out1"], ["out_shape"], axis=0),
        helper.make_node("Expand", ["h_col", "out_shape"], ["outputs"]),
        helper.make_node("Add", ["length", "seven"], ["len_plus"]),
        helper.make_node("Div", ["len_plus", "eight"], ["encoded_lengths"]),
    ]
    inits += [c([0], "idx0_1"), c([2], "two_1")]
    graph = helper.make_graph(
        nodes, "sized_parakeet_encoder",
        [helper.make_tensor_value_info("audio_signal", TensorProto.FLOAT, ["batch", FEATURES, "time"]),
         helper.make_tensor_value_info("length", TensorProto.INT64, ["batch"])],
        [helper.make_tensor_value_info("outputs", TensorProto.FLOAT, ["batch", D, "frames"]),
         helper.make_tensor_value_info("encoded_lengths", TensorProto.INT64, ["batch"])],
        inits)
    save(graph, path, check=False)
    return step


def build_decoder_joint(path, seed):
    rng = np.random.default_rng(seed + 2000)

    def rand(shape, fan_in):
        return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32)

    bias = np.zeros((OUT,), np.float32)
    # No bias: random logits make text tokens win most steps and random durations move on, so every dictation has words.
    inits = [
        numpy_helper.from_array(rand((D, OUT), D), "joint_enc"),
        numpy_helper.from_array(rand((VOCAB_SIZE + 1, H), 1), "embedding"),
        numpy_helper.from_array(rand((H, H), H), "pred"),
        numpy_helper.from_array(rand((H, OUT), H), "joint_pred"),
        numpy_helper.from_array(bias, "bias"),
        numpy_helper.from_array(np.array([1], np.int64), "axes1"),
        numpy_helper.from_array(np.array([2], np.int64), "axes2"),
        numpy_helper.from_array(np.array([0], np.int64), "axes0"),
        numpy_helper.from_array(np.array([1, 2], np.int64), "axes12"),
        numpy_helper.from_array(np.array(0, np.int64), "idx0"),
        numpy_helper.from_array(np.array(0.5, np.float32), "half"),
    ]
    nodes = [
        helper.make_node("Squeeze", ["encoder_outputs", "axes2"], ["enc"]),  # [B, D]
        helper.make_node("MatMul", ["enc", "joint_enc"], ["enc_term"]),
        helper.make_node("Squeeze", ["targets", "axes1"], ["target"]),  # [B]
        helper.make_node("Gather", ["embedding", "target"], ["emb"], axis=0),  # [B, H]
        helper.make_node("Gather", ["input_states_1", "idx0"], ["state0"], axis=0),  # [B, H]
        helper.make_node("Add", ["emb", "state0"], ["pred_in"]),
        helper.make_node("MatMul", ["pred_in", "pred"], ["pred_lin"]),
        helper.make_node("Tanh", ["pred_lin"], ["pred_out"]),
        helper.make_node("MatMul", ["pred_out", "joint_pred"], ["pred_term"]),
        helper.make_node("Add", ["enc_term", "pred_term"], ["sum"]),
        helper.make_node("Add", ["sum", "bias"], ["logits"]),
        helper.make_node("Unsqueeze", ["logits", "axes12"], ["outputs"]),  # [B, 1, 1, OUT]
        helper.make_node("Unsqueeze", ["pred_out", "axes0"], ["pred_l"]),  # [1, B, H]
        helper.make_node("Add", ["input_states_1", "pred_l"], ["state1_sum"]),
        helper.make_node("Tanh", ["state1_sum"], ["output_states_1"]),
        helper.make_node("Mul", ["input_states_2", "half"], ["output_states_2"]),
        helper.make_node("Identity", ["target_length"], ["prednet_lengths"]),
    ]
    graph = helper.make_graph(
        nodes, "sized_parakeet_decoder_joint",
        [helper.make_tensor_value_info("encoder_outputs", TensorProto.FLOAT, ["batch", D, 1]),
         helper.make_tensor_value_info("targets", TensorProto.INT32, ["batch", 1]),
         helper.make_tensor_value_info("target_length", TensorProto.INT32, ["batch"]),
         helper.make_tensor_value_info("input_states_1", TensorProto.FLOAT, [L, "batch", H]),
         helper.make_tensor_value_info("input_states_2", TensorProto.FLOAT, [L, "batch", H])],
        [helper.make_tensor_value_info("outputs", TensorProto.FLOAT, ["batch", 1, 1, OUT]),
         helper.make_tensor_value_info("prednet_lengths", TensorProto.INT32, ["batch"]),
         helper.make_tensor_value_info("output_states_1", TensorProto.FLOAT, [L, "batch", H]),
         helper.make_tensor_value_info("output_states_2", TensorProto.FLOAT, [L, "batch", H])],
        inits)
    save(graph, path, check=True)


def save(graph, path, check):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="wispr-sized-parakeet")
    model.ir_version = 8
    if check:  # the checker copies the whole model; the big encoders are checked by ONNX Runtime's load instead
        onnx.checker.check_model(model)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--precision", choices=["int8", "float"], default="int8")
    parser.add_argument("--layers", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    suffix = ".int8" if args.precision == "int8" else ""
    matrices = build_encoder(os.path.join(args.out, f"encoder-model{suffix}.onnx"), args.precision, args.layers, args.seed)
    build_decoder_joint(os.path.join(args.out, f"decoder_joint-model{suffix}.onnx"), args.seed)
    with open(os.path.join(args.out, "vocab.txt"), "w", encoding="utf-8") as f:
        for i in range(VOCAB_SIZE):
            f.write(f"{chr(0x2581) if i % 3 == 0 else ''}t{i} {i}\n")
        f.write(f"<blk> {VOCAB_SIZE}\n")
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"model_type": "nemo-conformer-tdt", "features_size": FEATURES, "subsampling_factor": 8, "max_tokens_per_step": 10}, f, indent=2)
    size = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    print(f"{args.precision} Parakeet-shaped model in {args.out}: {args.layers} layers, {matrices} encoder matrices, {size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
