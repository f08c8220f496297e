"""The interface every model of the family shares: encode, decode and named layer outputs."""
from __future__ import annotations

import contextlib

import torch
from torch import nn


class AutoEncoder(nn.Module):
    """Base class: `forward(x) == decode(encode(x))`; layer outputs are read through forward hooks.

    Subclasses set `task` ("autoencode" or "classify") and `overcomplete` (True when every layer
    is meant to hold at least as many numbers as the input, SPEC "Default scale").
    """

    task: str = "autoencode"
    overcomplete: bool = True

    def encode(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W) -> h
        raise NotImplementedError

    def decode(self, h: torch.Tensor) -> torch.Tensor:  # h -> (B, C, H, W)
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    @property
    def layer_names(self) -> list[str]:
        """Names accepted by `layer_outputs`: every named submodule, plus "output"."""
        return [name for name, _ in self.named_modules() if name] + ["output"]

    def layer_outputs(self, x: torch.Tensor, names: list[str]) -> dict[str, torch.Tensor]:
        """Run the forward pass and return the outputs of the named submodules ("output" = model output)."""
        outputs: dict[str, torch.Tensor] = {}
        with contextlib.ExitStack() as stack:
            for name in names:
                if name == "output":
                    continue
                module = self.get_submodule(name)

                def hook(_module, _inputs, out, name=name):
                    outputs[name] = out

                stack.callback(module.register_forward_hook(hook).remove)
            y = self(x)
        if "output" in names:
            outputs["output"] = y
        return outputs

    def layer_sizes(self, x: torch.Tensor) -> dict[str, int]:
        """Numbers per image held by each leaf module's output for input `x` (used for overcompleteness)."""
        sizes: dict[str, int] = {}
        with contextlib.ExitStack() as stack:
            for name, module in self.named_modules():
                if not name or list(module.children()):
                    continue

                def hook(_module, _inputs, out, name=name):
                    if isinstance(out, torch.Tensor):
                        sizes[name] = out[0].numel()

                stack.callback(module.register_forward_hook(hook).remove)
            if x.device.type == "meta":  # run with meta stand-ins for the weights: no memory, no compute
                state = {k: torch.empty_like(v, device="meta")
                         for k, v in [*self.named_parameters(), *self.named_buffers()]}
                torch.func.functional_call(self, state, (x,))
            else:
                self(x)
        return sizes

    def smallest_layer_ratio(self, image_size: int, channels: int = 3) -> float:
        """min over layers of (numbers in the layer) / (numbers in the input); ≥ 1 means overcomplete."""
        x = torch.zeros(2, channels, image_size, image_size, device="meta")
        sizes = self.layer_sizes(x)
        return min(sizes.values()) / (channels * image_size * image_size)
