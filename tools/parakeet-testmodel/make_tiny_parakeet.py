#!/usr/bin/python3
"""Builds a tiny Parakeet-TDT-shaped ONNX model for tests and benchmarks.

The files match the public ONNX export that onnx-asr and Handy load (istupakov/parakeet-tdt-0.6b-v2-onnx):

  encoder-model.onnx        audio_signal [B,128,T] float32, length [B] int64
                            -> outputs [B,D,T'] float32, encoded_lengths [B] int64   (T' = ceil(T/8), 8x subsampling)
  decoder_joint-model.onnx  encoder_outputs [B,D,1] float32, targets [B,1] int32, target_length [B] int32,
                            input_states_1 [L,B,H] float32, input_states_2 [L,B,H] float32
                            -> outputs [B,1,1,V+5] float32 (V token logits incl. blank, then 5 duration logits 0..4),
                               prednet_lengths [B] int32, output_states_1 [L,B,H], output_states_2 [L,B,H]
  vocab.txt                 "token id" per line, U+2581 marks a word start, "<blk>" is the last id
  config.json               {"model_type": "nemo-conformer-tdt", "features_size": 128, "subsampling_factor": 8}

The weights are set by hand so that greedy TDT decoding (onnx-asr's algorithm, repeated below as reference_decode) gives a
known text for any input of at least 14 encoder frames (1.1 s of 16 kHz audio):

  * The encoder ignores the feature values: encoder frame f is the one-hot vector of min(f, 15) (a "frame type").
  * The decoder state carries a counter in input_states_1[0, b, 0]; output_states_1 = input_states_1 + 1. The decoder keeps
    the returned state only when it emits a token, so the counter is the number of tokens emitted so far.
  * joint logits = frame_type_row(W) + counter_row(U) + bias. Frame rows force blank (+100), a poison token (+200, on frames
    a correct decoder skips) and a default duration (+10); counter row c says which token comes next (+50) and may
    override the duration (+20). Counters past the text add nothing, so the blank bias wins.

Frame plan (f = encoder frame): f0 blank d1 | f1 "wis" d1 | f2 "pr" d0 (counter override) then "talks" d2 | f3 poison |
f4 blank d3 | f5,f6 poison | f7 "to" d1 | f8 "v","s","code" d0 each, then blank d0 (t+1) | f9 blank d4 | f10-12 poison |
f13+ blank. Expected text: "wispr talks to vs code".

It also writes frontend-reference.json: NeMo log-mel features (onnx-asr's NumPy preprocessor, 128 mels) of a fixed test
signal, so the C# front end is checked against the reference implementation.

Usage: /usr/bin/python3 make_tiny_parakeet.py OUT_DIR
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

VOCAB = ["<unk>", "\u2581wis", "pr", "\u2581talks", "\u2581to", "\u2581v", "s", "\u2581code", "\u2581oops", "\u2581the", "ing", "<blk>"]
BLANK = len(VOCAB) - 1
V = len(VOCAB)
DURATIONS = [0, 1, 2, 3, 4]
FEATURES = 128
D = 16  # encoder dim = number of frame types
L, H = 2, 4  # decoder LSTM layers and hidden size
MAX_TOKENS_PER_STEP = 10
EXPECTED_TEXT = "wispr talks to vs code"

TOK = {t: i for i, t in enumerate(VOCAB)}
SEQUENCE = [TOK[t] for t in ["\u2581wis", "pr", "\u2581talks", "\u2581to", "\u2581v", "s", "\u2581code"]]
POISON = TOK["\u2581oops"]

# frame type -> (kind, default duration); kind: "emit" | "blank" | "poison"
FRAME_PLAN = {0: ("blank", 1), 1: ("emit", 1), 2: ("emit", 2), 3: ("poison", 1), 4: ("blank", 3), 5: ("poison", 1),
              6: ("poison", 1), 7: ("emit", 1), 8: ("emit", 0), 9: ("blank", 4), 10: ("poison", 1), 11: ("poison", 1),
              12: ("poison", 1), 13: ("blank", 1), 14: ("blank", 1), 15: ("blank", 1)}
COUNTER_DURATION_OVERRIDE = {1: 0}  # after "wis": emit "pr" and stay on the frame


def joint_weights():
    out = V + len(DURATIONS)
    w = np.zeros((D, out), np.float32)
    for f, (kind, dur) in FRAME_PLAN.items():
        if kind == "blank":
            w[f, BLANK] = 100.0
        elif kind == "poison":
            w[f, POISON] = 200.0
        w[f, V + DURATIONS.index(dur)] = 10.0
    n = len(SEQUENCE) + 1
    u = np.zeros((n, out), np.float32)
    for c, tok in enumerate(SEQUENCE):
        u[c, tok] = 50.0
        if c in COUNTER_DURATION_OVERRIDE:
            u[c, V + DURATIONS.index(COUNTER_DURATION_OVERRIDE[c])] = 20.0
    bias = np.zeros((out,), np.float32)
    bias[BLANK] = 1.0
    return w, u, bias


def build_encoder(path):
    nodes = [
        helper.make_node("Shape", ["audio_signal"], ["shape"]),
        helper.make_node("Gather", ["shape", "idx2"], ["t_in"], axis=0),  # scalar T
        helper.make_node("Gather", ["shape", "idx0"], ["batch"], axis=0),
        helper.make_node("Add", ["t_in", "seven"], ["t_plus"]),
        helper.make_node("Div", ["t_plus", "eight"], ["t_out"]),
        helper.make_node("Range", ["zero", "t_out", "one"], ["frames"]),
        helper.make_node("Min", ["frames", "last_type"], ["types"]),
        helper.make_node("OneHot", ["types", "depth", "onehot_values"], ["onehot"], axis=-1),  # [T', D]
        helper.make_node("Transpose", ["onehot"], ["dt"], perm=[1, 0]),  # [D, T']
        helper.make_node("Unsqueeze", ["dt", "axes0"], ["one_dt"]),  # [1, D, T']
        helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch1"]),
        helper.make_node("Shape", ["dt"], ["dt_shape"]),
        helper.make_node("Concat", ["batch1", "dt_shape"], ["out_shape"], axis=0),
        helper.make_node("Expand", ["one_dt", "out_shape"], ["outputs"]),
        helper.make_node("Add", ["length", "seven"], ["len_plus"]),
        helper.make_node("Div", ["len_plus", "eight"], ["encoded_lengths"]),
    ]
    inits = [
        numpy_helper.from_array(np.array(2, np.int64), "idx2"),
        numpy_helper.from_array(np.array(0, np.int64), "idx0"),
        numpy_helper.from_array(np.array(7, np.int64), "seven"),
        numpy_helper.from_array(np.array(8, np.int64), "eight"),
        numpy_helper.from_array(np.array(0, np.int64), "zero"),
        numpy_helper.from_array(np.array(1, np.int64), "one"),
        numpy_helper.from_array(np.array(D - 1, np.int64), "last_type"),
        numpy_helper.from_array(np.array(D, np.int64), "depth"),
        numpy_helper.from_array(np.array([0.0, 1.0], np.float32), "onehot_values"),
        numpy_helper.from_array(np.array([0], np.int64), "axes0"),
    ]
    graph = helper.make_graph(
        nodes, "tiny_parakeet_encoder",
        [helper.make_tensor_value_info("audio_signal", TensorProto.FLOAT, ["batch", FEATURES, "time"]),
         helper.make_tensor_value_info("length", TensorProto.INT64, ["batch"])],
        [helper.make_tensor_value_info("outputs", TensorProto.FLOAT, ["batch", D, "frames"]),
         helper.make_tensor_value_info("encoded_lengths", TensorProto.INT64, ["batch"])],
        inits)
    save(graph, path)


def build_decoder_joint(path):
    w, u, bias = joint_weights()
    nodes = [
        # encoder term: [B, D, 1] -> [B, D] @ W -> [B, out]
        helper.make_node("Squeeze", ["encoder_outputs", "axes2"], ["enc"]),
        helper.make_node("MatMul", ["enc", "W"], ["enc_term"]),
        # counter term: input_states_1[0, :, 0] -> one-hot over the text position -> @ U
        helper.make_node("Gather", ["input_states_1", "idx0"], ["layer0"], axis=0),  # [B, H]
        helper.make_node("Gather", ["layer0", "idx0"], ["counter_f"], axis=1),  # [B]
        helper.make_node("Cast", ["counter_f"], ["counter"], to=TensorProto.INT64),
        helper.make_node("OneHot", ["counter", "n_counter", "onehot_values"], ["counter_onehot"], axis=-1),
        helper.make_node("MatMul", ["counter_onehot", "U"], ["counter_term"]),
        helper.make_node("Add", ["enc_term", "counter_term"], ["sum1"]),
        helper.make_node("Add", ["sum1", "bias"], ["logits"]),
        helper.make_node("Unsqueeze", ["logits", "axes12"], ["outputs"]),  # [B, 1, 1, out]
        helper.make_node("Add", ["input_states_1", "one_f"], ["output_states_1"]),
        # the second state mixes in the previous token, as an LSTM's cell state would
        helper.make_node("Cast", ["targets"], ["targets_f"], to=TensorProto.FLOAT),
        helper.make_node("Squeeze", ["targets_f", "axes1"], ["targets_b"]),  # [B]
        helper.make_node("Unsqueeze", ["targets_b", "axes01"], ["targets_lbh"]),  # [1, B, 1]
        helper.make_node("Mul", ["input_states_2", "half"], ["decayed"]),
        helper.make_node("Add", ["decayed", "targets_lbh"], ["output_states_2"]),
        helper.make_node("Identity", ["target_length"], ["prednet_lengths"]),
    ]
    inits = [
        numpy_helper.from_array(w, "W"),
        numpy_helper.from_array(u, "U"),
        numpy_helper.from_array(bias, "bias"),
        numpy_helper.from_array(np.array([2], np.int64), "axes2"),
        numpy_helper.from_array(np.array([1], np.int64), "axes1"),
        numpy_helper.from_array(np.array([1, 2], np.int64), "axes12"),
        numpy_helper.from_array(np.array([0, 2], np.int64), "axes01"),
        numpy_helper.from_array(np.array(0, np.int64), "idx0"),
        numpy_helper.from_array(np.array(u.shape[0], np.int64), "n_counter"),
        numpy_helper.from_array(np.array([0.0, 1.0], np.float32), "onehot_values"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one_f"),
        numpy_helper.from_array(np.array(0.5, np.float32), "half"),
    ]
    out = V + len(DURATIONS)
    graph = helper.make_graph(
        nodes, "tiny_parakeet_decoder_joint",
        [helper.make_tensor_value_info("encoder_outputs", TensorProto.FLOAT, ["batch", D, 1]),
         helper.make_tensor_value_info("targets", TensorProto.INT32, ["batch", 1]),
         helper.make_tensor_value_info("target_length", TensorProto.INT32, ["batch"]),
         helper.make_tensor_value_info("input_states_1", TensorProto.FLOAT, [L, "batch", H]),
         helper.make_tensor_value_info("input_states_2", TensorProto.FLOAT, [L, "batch", H])],
        [helper.make_tensor_value_info("outputs", TensorProto.FLOAT, ["batch", 1, 1, out]),
         helper.make_tensor_value_info("prednet_lengths", TensorProto.INT32, ["batch"]),
         helper.make_tensor_value_info("output_states_1", TensorProto.FLOAT, [L, "batch", H]),
         helper.make_tensor_value_info("output_states_2", TensorProto.FLOAT, [L, "batch", H])],
        inits)
    save(graph, path)


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="wispr-tiny-parakeet")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def reference_decode(n_frames):
    """onnx-asr's greedy TDT loop (asr.py _AsrWithTransducerDecoding._decoding) against the same weights, in NumPy."""
    w, u, bias = joint_weights()
    counter, tokens, t, emitted = 0, [], 0, 0
    while t < n_frames:
        logits = w[min(t, D - 1)] + (u[counter] if counter < u.shape[0] else 0) + bias
        token = int(logits[:V].argmax())
        step = DURATIONS[int(logits[V:].argmax())]
        if token != BLANK:
            counter += 1
            tokens.append(token)
            emitted += 1
        if step > 0:
            t += step
            emitted = 0
        elif token == BLANK or emitted == MAX_TOKENS_PER_STEP:
            t += 1
            emitted = 0
    return tokens


def detokenize(tokens):
    return "".join(VOCAB[i] for i in tokens).replace("\u2581", " ").strip()


# ---- NeMo front end reference (onnx-asr preprocessors/fbanks.py + numpy_preprocessor.py NemoPreprocessorNumpy) ----
def melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate):
    def hz_to_mel(freq):
        freq = np.asarray(freq, np.float64)
        return np.where(freq < 1000, 3 * freq / 200.0, 15 + 27 * np.log(freq / 1000.0 + np.finfo(np.float32).eps) / np.log(6.4))

    def mel_to_hz(mels):
        return np.where(mels < 15, 200 * mels / 3.0, 1000 * np.power(6.4, ((mels - 15) / 27.0)))

    all_freqs = np.linspace(0, sample_rate // 2, n_freqs)
    m_pts = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    up = (all_freqs[:, None] - m_pts[:-2]) / (m_pts[1:-1] - m_pts[:-2])
    down = (m_pts[2:] - all_freqs[:, None]) / (m_pts[2:] - m_pts[1:-1])
    fb = np.maximum(0.0, np.minimum(up, down))
    fb *= 2.0 / (m_pts[2:] - m_pts[:-2])
    return fb


def nemo_features(waveform):
    n_fft, win, hop, preemph = 512, 400, 160, 0.97
    fb = melscale_fbanks(n_fft // 2 + 1, 0, 8000, FEATURES, 16000).astype(np.float32)
    w = waveform[None, :].astype(np.float32)
    lens = np.array([w.shape[1]], np.int64)
    w = w - preemph * np.pad(w, ((0, 0), (1, 0)))[:, :-1]
    w = np.pad(w, ((0, 0), (n_fft // 2, n_fft // 2)))
    frames = np.lib.stride_tricks.sliding_window_view(w, n_fft, axis=1)[:, ::hop]
    frames = frames * np.pad(np.hanning(win), ((n_fft - win) // 2, (n_fft - win) // 2))
    spec = np.abs(np.fft.rfft(frames, n_fft)).astype(np.float32) ** 2
    logmel = np.log(np.matmul(spec, fb) + float(2 ** -24))
    flens = lens // hop
    mask = np.arange(logmel.shape[1])[None, :, None] < flens[:, None, None]
    mean = np.divide(np.where(mask, logmel, 0.0).sum(axis=1, keepdims=True), flens[:, None, None], dtype=np.float32)
    var = np.divide(np.where(mask, (logmel - mean) ** 2, 0.0).sum(axis=1, keepdims=True), flens[:, None, None] - 1, dtype=np.float32)
    feats = np.where(mask, (logmel - mean) / (np.sqrt(var) + 1e-5), 0.0)
    return feats.transpose(0, 2, 1)[0], int(flens[0])  # [128, T]


def test_signal():
    """0.5 s: a 440 Hz tone rising to 2 kHz plus a little deterministic noise (the C# test builds the same signal)."""
    n = 8000
    t = np.arange(n, dtype=np.float64) / 16000.0
    freq = 440.0 + (2000.0 - 440.0) * t / 0.5
    phase = 2 * np.pi * np.cumsum(freq) / 16000.0
    noise = ((np.arange(n) * 7919) % 200 - 100) / 10000.0
    return (0.5 * np.sin(phase) + noise).astype(np.float32)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    build_encoder(os.path.join(out, "encoder-model.onnx"))
    build_decoder_joint(os.path.join(out, "decoder_joint-model.onnx"))
    with open(os.path.join(out, "vocab.txt"), "w", encoding="utf-8") as f:
        for i, tok in enumerate(VOCAB):
            f.write(f"{tok} {i}\n")
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"model_type": "nemo-conformer-tdt", "features_size": FEATURES, "subsampling_factor": 8,
                   "max_tokens_per_step": MAX_TOKENS_PER_STEP}, f, indent=2)

    tokens = reference_decode(n_frames=25)  # 2 s of audio: 200 feature frames -> 25 encoder frames
    text = detokenize(tokens)
    if text != EXPECTED_TEXT:
        sys.exit(f"reference decode gave {text!r}, expected {EXPECTED_TEXT!r}")

    feats, flen = nemo_features(test_signal())
    picks = [0, 1, 10, 25, 49]
    with open(os.path.join(out, "frontend-reference.json"), "w", encoding="utf-8") as f:
        json.dump({"samples": 8000, "featureFrames": int(feats.shape[1]), "featureLength": flen,
                   "frames": picks, "features": [[float(x) for x in feats[:, p]] for p in picks]}, f)
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"text": text, "tokens": tokens, "encoderFrames": 25}, f)
    print(f"tiny Parakeet model in {out}: reference decode {tokens} -> {text!r}")


if __name__ == "__main__":
    main()
