"""ganaug._compat: the private names ganaug needs are the very objects it must use,
and the public tensor flattening equals torch's private one."""

from __future__ import annotations

import pytest
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import InvalidParameterError

import ganaug._validation
import ganaug.augmenters
import ganaug.base
from ganaug import _compat


def test_scikit_learn_names_are_scikit_learns_objects():
    import sklearn.base
    import sklearn.utils._param_validation as pv
    import sklearn.utils.validation

    # identity, not look-alikes: scikit-learn's validator dispatches on its own classes
    assert _compat._fit_context is sklearn.base._fit_context
    assert _compat.Interval is pv.Interval
    assert _compat.StrOptions is pv.StrOptions
    assert _compat.HasMethods is pv.HasMethods
    assert _compat.validate_data is sklearn.utils.validation.validate_data
    # what the package modules use is the same object (before and after they import it
    # from ganaug._compat)
    assert ganaug._validation.Interval is _compat.Interval
    assert issubclass(ganaug.base.Number, pv.Interval)  # Interval without booleans
    assert ganaug.base.StrOptions is _compat.StrOptions
    assert ganaug.augmenters._fit_context is _compat._fit_context
    assert ganaug._validation.validate_data is _compat.validate_data
    assert ganaug._validation.Options is pv.Options
    assert ganaug.base.ArraysTransformer is _compat.ArraysTransformer
    # sample()'s random_state is checked by the rule the constructor's goes through
    assert _compat.validate_parameter_constraints is pv.validate_parameter_constraints
    assert ganaug.base.validate_parameter_constraints is pv.validate_parameter_constraints
    assert set(_compat.__all__) == {
        "ArraysTransformer", "HasMethods", "Interval", "Options", "StrOptions", "_fit_context",
        "validate_data", "flatten_dense_tensors", "unflatten_dense_tensors",
        "fitted_svc_gamma", "validate_parameter_constraints"}


def test_fitted_svc_gamma_is_the_number_the_kernel_uses():
    import numpy as np
    from sklearn.svm import SVC

    X = np.random.RandomState(0).normal(size=(40, 3)) * [1, 2, 3]
    y = np.arange(40) % 2
    assert _compat.fitted_svc_gamma(SVC().fit(X, y)) == 1.0 / (3 * X.var())  # 'scale'
    assert _compat.fitted_svc_gamma(SVC(gamma="auto").fit(X, y)) == 1.0 / 3
    assert _compat.fitted_svc_gamma(SVC(gamma=0.25).fit(X, y)) == 0.25
    assert _compat.fitted_svc_gamma(SVC()) is None  # unfitted: the caller uses predict


def test_fit_context_and_constraints_validate_through_the_shim():
    from numbers import Integral

    class Tiny(BaseEstimator):
        _parameter_constraints = {
            "n": [_compat.Interval(Integral, 1, None, closed="left")],
            "how": [_compat.StrOptions({"a", "b"})],
        }

        def __init__(self, n=1, how="a"):
            self.n, self.how = n, how

        @_compat._fit_context(prefer_skip_nested_validation=True)
        def fit(self, X=None):
            self.fitted_ = True
            return self

    assert Tiny(n=3, how="b").fit().fitted_
    with pytest.raises(InvalidParameterError, match="'n' parameter"):
        Tiny(n=0).fit()
    with pytest.raises(InvalidParameterError, match="'how' parameter"):
        Tiny(how="c").fit()
    # the package's own constraints are enforced the same way
    with pytest.raises(InvalidParameterError, match="'batch_size' parameter"):
        ganaug.GANAugmenter(batch_size=0).fit([[0.0, 1.0]] * 4)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
@pytest.mark.parametrize("shapes", [[(3, 4), (5,), (2, 1, 3)], [(7,)], [(2, 2), (0,)]])
def test_flatten_unflatten_equal_torchs_private_ones(shapes, dtype):
    from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors

    g = torch.Generator().manual_seed(0)
    tensors = [(torch.randn(s, generator=g) * 100).to(dtype) for s in shapes]
    tensors[0] = tensors[0].t() if tensors[0].dim() == 2 else tensors[0]  # non-contiguous
    flat = _compat.flatten_dense_tensors(tensors)
    ref = _flatten_dense_tensors(tensors).clone()  # torch's aliases one input tensor
    assert flat.dtype == dtype and flat.shape == (sum(t.numel() for t in tensors),)
    torch.testing.assert_close(flat, ref, rtol=0, atol=0)
    tensors[0].add_(1)  # the flat copy does not alias its inputs (even one tensor)
    torch.testing.assert_close(flat, ref, rtol=0, atol=0)
    parts = _compat.unflatten_dense_tensors(flat, tensors)
    refs = _unflatten_dense_tensors(ref, tensors)
    assert [p.shape for p in parts] == [t.shape for t in tensors]
    for p, r in zip(parts, refs):
        torch.testing.assert_close(p, r, rtol=0, atol=0)
    # views into flat: writing flat shows in every part (what the gradient average uses)
    flat.zero_()
    assert all(int(p.count_nonzero()) == 0 for p in parts)


def test_round_trip_of_a_modules_gradients():
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    net(torch.ones(5, 3)).sum().backward()
    grads = [p.grad for p in net.parameters()]
    before = [g.clone() for g in grads]
    flat = _compat.flatten_dense_tensors(grads).mul_(2)
    for g, s in zip(grads, _compat.unflatten_dense_tensors(flat, grads)):
        g.copy_(s)
    for g, b in zip(grads, before):
        torch.testing.assert_close(g, 2 * b, rtol=0, atol=0)


def test_an_autocast_that_is_off_is_never_built(monkeypatch):
    # torch before 2.5 raises in torch.autocast('mps', enabled=False): training and the
    # classifier on MPS failed at their first step though mixed precision was off
    from ganaug._device import autocast

    def refuse(*args, **kwargs):
        raise RuntimeError("User specified an unsupported autocast device_type 'mps'")

    monkeypatch.setattr(torch, "autocast", refuse)
    with autocast(torch.device("mps"), None):
        pass
    with pytest.raises(RuntimeError, match="unsupported autocast"):
        autocast(torch.device("mps"), torch.bfloat16)


@pytest.mark.parametrize("native, expected", [(True, torch.bfloat16), (False, None)])
def test_mixed_precision_is_native_bf16_of_the_fits_own_gpu_or_none(monkeypatch, native,
                                                                   expected):
    # never float16 (no loss scaler: small gradients underflowed), never emulated bf16,
    # and asked of the fit's device, not the current one
    import contextlib

    from ganaug._device import amp_dtype

    asked = []

    @contextlib.contextmanager
    def on(device):
        asked.append(str(device))
        yield

    def supported(including_emulation=True):
        asked.append(including_emulation)
        return native

    monkeypatch.setattr(torch.cuda, "device", on)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", supported)
    assert amp_dtype(torch.device("cuda:1"), "auto") is expected
    assert asked == ["cuda:1", False]
    assert amp_dtype(torch.device("cuda:1"), False) is None
    assert amp_dtype(torch.device("cpu"), True) is None
