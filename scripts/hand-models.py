#!/usr/bin/env python3
"""Converts MediaPipe's hand models (TFLite, from the mediapipe wheel) to ONNX, twice: as converted
(opset 11, for ONNX Runtime) and repaired for OpenCV's DNN module.

Called by `scpm models prepare` inside a virtual environment that holds the pinned converter
(tflite2onnx, onnx); not meant to be run by hand.
Usage: hand-models.py IN.tflite OUT_OPENCV.onnx OUT_ONNXRUNTIME.onnx

Two repairs, both needed on the models of mediapipe 0.10.21 (see ARCHITECTURE.md, "Hand models"):
1. tflite2onnx 0.4.1 crashes on the palm detector, whose fp16 PReLU slopes are 3-D tensors while
   the layout transform expects 4-D: such shapes get leading 1s before the transform.
2. OpenCV 4.6 reads `Clip` only in its opset-10 form (min/max as attributes); tflite2onnx writes
   the opset-11 form (min/max as inputs): the constant inputs are moved into attributes. ONNX
   Runtime refuses that form in an opset-11 model, so its copy is left as converted.
"""
import sys

import onnx
import tflite2onnx
from onnx import helper, numpy_helper
from tflite2onnx import tensor as t2o_tensor

_original_transform = t2o_tensor.Tensor.transform


def _transform_padded(self):
    rank = len(self.layout.source)
    if len(self.shape) < rank:
        pad = [1] * (rank - len(self.shape))
        self.shape = pad + list(self.shape)
        if self.isInitializer:
            self.data = self.data.reshape(self.shape)
    return _original_transform(self)


t2o_tensor.Tensor.transform = _transform_padded


def clip_to_opset10(model):
    constants = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type != "Clip" or len(node.input) == 1:
            continue
        bounds = list(node.input[1:]) + [""] * (3 - len(node.input))
        for name, attr in zip(bounds, ("min", "max")):
            if name == "":
                continue
            if name not in constants:
                raise SystemExit(f"Clip bound {name} is not a constant; cannot rewrite for OpenCV")
            node.attribute.append(helper.make_attribute(attr, float(constants[name].reshape(-1)[0])))
        del node.input[1:]
    return model


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: hand-models.py IN.tflite OUT_OPENCV.onnx OUT_ONNXRUNTIME.onnx")
    source, for_opencv, for_onnxruntime = sys.argv[1], sys.argv[2], sys.argv[3]
    tflite2onnx.convert(source, for_onnxruntime)
    model = onnx.load(for_onnxruntime)
    onnx.checker.check_model(model)
    onnx.save(clip_to_opset10(model), for_opencv)


if __name__ == "__main__":
    main()
