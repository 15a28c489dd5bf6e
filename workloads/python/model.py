#!/usr/bin/python3
"""Convolutional SNN for Fashion-MNIST, its ReLU twin, and the folded float32 forward pass.

Neuron (per timestep t, hard reset to 0):  u_t = beta * u_{t-1} * (1 - o_{t-1}) + I_t,
o_t = [u_t > theta]. Direct encoding: the image (pixel/255) is the input current of the
first conv at every timestep. The classifier is an Affine without neuron; its output is
summed over the T timesteps and the prediction is the argmax of that sum.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

# (out_channels, stride) per conv; 3x3 kernels with padding 1. Stride-2 convs instead
# of pooling so every projection stays one conv on the target hardware. 16 channels in
# the first layer (not 32) halve the largest population, which dominates both training
# time and the simulator's spike traffic.
STRIDES = (1, 2, 2)
DEFAULT_CHANNELS = (16, 32, 64)
DEFAULT_CONVS = tuple(zip(DEFAULT_CHANNELS, STRIDES))
IMAGE_SHAPE = (1, 28, 28)
NUM_CLASSES = 10


class SpikeFn(torch.autograd.Function):
    """Heaviside forward; derivative of sigmoid(alpha * x) backward."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(ctx.alpha * x)
        return grad * ctx.alpha * s * (1 - s), None


def lif_multistep(current, beta, theta, alpha=4.0):
    """current [T, B, ...] -> (spikes, potentials before firing), both [T, B, ...].

    The reset term uses detached spikes: the gradient flows through the leak and the
    input only, which is cheaper and trains as well for short T.
    """
    u = torch.zeros_like(current[0])
    o = torch.zeros_like(current[0])
    spikes, potentials = [], []
    for t in range(current.shape[0]):
        u = beta * u * (1 - o.detach()) + current[t]
        o = SpikeFn.apply(u - theta, alpha)
        potentials.append(u)
        spikes.append(o)
    return torch.stack(spikes), torch.stack(potentials)


def chunked(conv, x, chunk=64):
    """conv over x in batch chunks: on CPU, oneDNN convs slow down superlinearly past
    a batch of ~128 (measured: 4x per sample at 512), and T * B is easily that."""
    if x.shape[0] <= chunk:
        return conv(x)
    return torch.cat([conv(part) for part in x.split(chunk)])


def layer_shapes(convs=DEFAULT_CONVS, image_shape=IMAGE_SHAPE):
    """(C, H, W) after each conv (3x3, padding 1)."""
    shapes, (c, h, w) = [], image_shape
    for cout, stride in convs:
        h, w = (h - 1) // stride + 1, (w - 1) // stride + 1
        c = cout
        shapes.append((c, h, w))
    return shapes


class FMnistNet(nn.Module):
    """conv-BN-neuron blocks, flatten, Affine. spiking=False gives the ReLU ANN twin."""

    def __init__(self, convs=DEFAULT_CONVS, spiking=True, timesteps=4, beta=0.5, theta=0.5,
                 alpha=4.0):
        super().__init__()
        self.spiking, self.timesteps = spiking, timesteps
        self.beta, self.theta, self.alpha = beta, theta, alpha
        self.convs = tuple(convs)
        self.shapes = layer_shapes(self.convs)
        cin = IMAGE_SHAPE[0]
        self.conv = nn.ModuleList()
        self.bn = nn.ModuleList()
        for cout, stride in self.convs:
            # No conv bias: BatchNorm's shift becomes the bias when folded.
            self.conv.append(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False))
            self.bn.append(nn.BatchNorm2d(cout))
            cin = cout
        c, h, w = self.shapes[-1]
        self.fc = nn.Linear(c * h * w, NUM_CLASSES)

    def forward(self, x):
        """x [B, 1, 28, 28] in [0, 1]. Returns (logits [B, 10], potentials, spikes).

        For the SNN the logits are the fc output averaged over T (same argmax as the
        sum); potentials/spikes are per-layer lists of [T, B, C, H, W] tensors.
        """
        if not self.spiking:
            for conv, bn in zip(self.conv, self.bn):
                x = F.relu(bn(conv(x)))
            return self.fc(x.flatten(1)), [], []
        T, B = self.timesteps, x.shape[0]
        # The image is constant over time, so layer 1's current is computed once.
        current = self.bn[0](self.conv[0](x)).unsqueeze(0).expand(T, *x.shape[:1],
                                                                  *self.shapes[0])
        potentials, spikes = [], []
        for i in range(len(self.conv)):
            if i > 0:
                flat = spikes[-1].flatten(0, 1)
                current = self.bn[i](chunked(self.conv[i], flat)).view(T, B, *self.shapes[i])
            o, u = lif_multistep(current, self.beta, self.theta, self.alpha)
            potentials.append(u)
            spikes.append(o)
        out = self.fc(spikes[-1].flatten(2))  # [T, B, 10]
        return out.mean(0), potentials, spikes


def fold_bn(conv, bn):
    """Weights and bias of conv followed by eval-mode BN, as float32 tensors."""
    scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    weight = conv.weight.detach() * scale.view(-1, 1, 1, 1)
    bias = bn.bias.detach() - bn.running_mean * scale
    if conv.bias is not None:
        bias = bias + conv.bias.detach() * scale
    return weight.float().contiguous(), bias.float().contiguous()


def folded_params(net):
    """Plain float32 parameters of the deployed network (what the NIR file holds)."""
    layers = []
    for (cout, stride), conv, bn in zip(net.convs, net.conv, net.bn):
        w, b = fold_bn(conv, bn)
        layers.append({"weight": w, "bias": b, "stride": stride, "padding": 1})
    return {"convs": layers,
            "fc_weight": net.fc.weight.detach().float().contiguous(),
            "fc_bias": net.fc.bias.detach().float().contiguous(),
            "beta": float(net.beta), "theta": float(net.theta),
            "timesteps": int(net.timesteps)}


@torch.no_grad()
def folded_forward(params, images, timesteps=None, record=False):
    """Exact float32 forward of the deployed SNN (folded BN, hard reset to 0).

    images float32 [B, 1, 28, 28] in [0, 1]. Returns dict with output_sum [B, 10],
    spike_counts [B, T, L] (int64), quant_err_sum [L] (sum of (u - o)^2) and
    spike_sum [L] (total spikes), for accuracy, reference files and statistics.
    record=True adds "spikes": per layer a uint8 [T, B, C, H, W] tensor.
    """
    T = timesteps or params["timesteps"]
    beta = torch.tensor(params["beta"], dtype=torch.float32)
    theta = params["theta"]
    B, L = images.shape[0], len(params["convs"])
    u = [None] * L
    o = [None] * L
    counts = torch.zeros(B, T, L, dtype=torch.int64)
    qerr = torch.zeros(L, dtype=torch.float64)
    ssum = torch.zeros(L, dtype=torch.float64)
    out_sum = torch.zeros(B, NUM_CLASSES, dtype=torch.float32)
    first = None
    recorded = [[] for _ in range(L)]
    for t in range(T):
        x = images
        for l, layer in enumerate(params["convs"]):
            if l == 0 and first is not None:
                current = first
            else:
                current = F.conv2d(x, layer["weight"], layer["bias"], stride=layer["stride"],
                                   padding=layer["padding"])
                if l == 0:
                    first = current
            if u[l] is None:
                u[l] = current.clone()
            else:
                u[l] = beta * u[l] * (1 - o[l]) + current
            o[l] = (u[l] > theta).to(torch.float32)
            counts[:, t, l] = o[l].flatten(1).sum(1).to(torch.int64)
            qerr[l] += ((u[l] - o[l]).double() ** 2).sum()
            ssum[l] += o[l].double().sum()
            if record:
                recorded[l].append(o[l].to(torch.uint8))
            x = o[l]
        out_sum += F.linear(x.flatten(1), params["fc_weight"], params["fc_bias"])
    result = {"output_sum": out_sum, "spike_counts": counts, "quant_err_sum": qerr,
              "spike_sum": ssum}
    if record:
        result["spikes"] = [torch.stack(r) for r in recorded]
    return result
