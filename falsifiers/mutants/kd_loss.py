"""Mutants of engine.kd_loss (contract kd-loss-v1), in both implementations.

Each replacement is the plain batched formula in float64 with the engine's precondition
checks, carrying one bug:

    L = mean_n [ alpha T^2 KL(softmax(z_t/T) || softmax(z_s/T)) + (1 - alpha) CE(z_s, y) ]
    dL/dz_s = ( alpha T (softmax(z_s/T) - softmax(z_t/T)) + (1 - alpha) (softmax(z_s) - onehot(y)) ) / N

A mutant targets one function (`kd_loss_reference`, `kd_loss_fused`, or a gradient);
the falsifiers run every prediction against both implementations, so a bug confined to
the fused kernel must be caught too (falsifier parity).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pv.mutation import Mutant

CONTRACT = "kd-loss-v1"


@dataclass(frozen=True)
class Spec:
    """How the plain kernel computes; the default is the contract's formula."""

    kd_weight: Callable[[float], float] = lambda alpha: alpha
    ce_weight: Callable[[float], float] = lambda alpha: 1.0 - alpha
    kd_scale: Callable[[float], float] = lambda t: t * t  # loss: T^2; the gradient uses T
    reversed_kl: bool = False
    teacher_temperature: bool = True
    ce_temperature: bool = False
    batch_mean: bool = True
    teacher_axis: int = -1
    onehot: bool = True
    check_alpha: bool = True


CORRECT = Spec()
GRAD_CORRECT = replace(CORRECT, kd_scale=lambda t: t)


def _log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _prepared(spec: Spec, zs: Any, zt: Any, y: Any, temperature: float, alpha: float):
    from engine.kd_loss import _check_finite, _prepare  # the engine's own precondition checks

    zs_, zt_, y_ = _prepare(zs, zt, y, temperature, 0.5 if not spec.check_alpha else alpha)
    if not (np.isfinite(zs_).all() and np.isfinite(zt_).all()):
        _check_finite(zs_, zt_, np.nan)
    return zs_.astype(np.float64), zt_.astype(np.float64), y_, zs_.dtype


def _loss(spec: Spec, zs: np.ndarray, zt: np.ndarray, y: np.ndarray, t: float, alpha: float) -> float:
    t_teacher = t if spec.teacher_temperature else 1.0
    log_p_s, log_p_t = _log_softmax(zs / t), _log_softmax(zt / t_teacher, spec.teacher_axis)
    if spec.reversed_kl:
        kl = np.sum(np.exp(log_p_s) * (log_p_s - log_p_t), axis=-1)
    else:
        kl = np.sum(np.exp(log_p_t) * (log_p_t - log_p_s), axis=-1)
    ce = -_log_softmax(zs / t if spec.ce_temperature else zs)[np.arange(len(y)), y]
    per_example = spec.kd_weight(alpha) * spec.kd_scale(t) * kl + spec.ce_weight(alpha) * ce
    return float(per_example.mean() if spec.batch_mean else per_example.sum())


def _grad(spec: Spec, zs: np.ndarray, zt: np.ndarray, y: np.ndarray, t: float, alpha: float) -> np.ndarray:
    p_s_t = np.exp(_log_softmax(zs / t))
    p_t_t = np.exp(_log_softmax(zt / t, spec.teacher_axis))
    p_s = np.exp(_log_softmax(zs))
    onehot = np.zeros_like(p_s)
    if spec.onehot:
        onehot[np.arange(len(y)), y] = 1.0
    grad = spec.kd_weight(alpha) * spec.kd_scale(t) * (p_s_t - p_t_t) + spec.ce_weight(alpha) * (p_s - onehot)
    return grad / len(y) if spec.batch_mean else grad


def loss(spec: Spec, name: str) -> Callable[[Any], Callable[..., float]]:
    def make(original: Any) -> Callable[..., float]:
        def kd_loss(student_logits: np.ndarray, teacher_logits: np.ndarray, labels: np.ndarray, *,
                    temperature: float, alpha: float) -> float:
            zs, zt, y, _ = _prepared(spec, student_logits, teacher_logits, labels, temperature, alpha)
            with np.errstate(all="ignore"):
                return _loss(spec, zs, zt, y, float(temperature), alpha)

        kd_loss.__name__ = name
        return kd_loss

    return make


def grad(spec: Spec, name: str) -> Callable[[Any], Callable[..., np.ndarray]]:
    def make(original: Any) -> Callable[..., np.ndarray]:
        def kd_loss_grad(student_logits: np.ndarray, teacher_logits: np.ndarray, labels: np.ndarray, *,
                         temperature: float, alpha: float) -> np.ndarray:
            zs, zt, y, dtype = _prepared(spec, student_logits, teacher_logits, labels, temperature, alpha)
            with np.errstate(all="ignore"):
                return _grad(spec, zs, zt, y, float(temperature), alpha).astype(dtype)

        kd_loss_grad.__name__ = name
        return kd_loss_grad

    return make


def _loss_mutant(name: str, impl: str, description: str, spec: Spec) -> Mutant:
    target = f"kd_loss_{impl}"
    return Mutant(name, CONTRACT, f"engine.kd_loss:{target}", f"{description} ({target})", loss(spec, target))


def _grad_mutant(name: str, impl: str, description: str, spec: Spec) -> Mutant:
    target = f"kd_loss_grad_{impl}"
    return Mutant(name, CONTRACT, f"engine.kd_loss:{target}", f"{description} ({target})", grad(spec, target))


MUTANTS = [
    _loss_mutant("kd-alpha-swapped", "reference", "alpha weights the cross-entropy and 1 - alpha the KL term",
                 replace(CORRECT, kd_weight=lambda a: 1.0 - a, ce_weight=lambda a: a)),
    _loss_mutant("kd-fused-alpha-swapped", "fused", "alpha and 1 - alpha swapped in the fused kernel only",
                 replace(CORRECT, kd_weight=lambda a: 1.0 - a, ce_weight=lambda a: a)),
    _loss_mutant("kd-t-squared-dropped", "reference", "the T^2 factor of the KL term is dropped",
                 replace(CORRECT, kd_scale=lambda t: 1.0)),
    _loss_mutant("kd-fused-t-not-squared", "fused", "the KL term is scaled by T instead of T^2 in the fused kernel",
                 replace(CORRECT, kd_scale=lambda t: t)),
    _loss_mutant("kd-kl-reversed", "reference", "KL(student || teacher) instead of KL(teacher || student)",
                 replace(CORRECT, reversed_kl=True)),
    _loss_mutant("kd-fused-teacher-untempered", "fused", "teacher softmax taken of z_t, not z_t / T",
                 replace(CORRECT, teacher_temperature=False)),
    _loss_mutant("kd-ce-tempered", "reference", "cross-entropy taken on z_s / T instead of z_s",
                 replace(CORRECT, ce_temperature=True)),
    _loss_mutant("kd-fused-batch-sum", "fused", "loss summed over the batch instead of averaged",
                 replace(CORRECT, batch_mean=False)),
    _loss_mutant("kd-alpha-unchecked", "reference", "precondition 0 <= alpha <= 1 removed",
                 replace(CORRECT, check_alpha=False)),
    _grad_mutant("kd-grad-missing-t", "reference", "gradient of the KL term without its factor T",
                 replace(GRAD_CORRECT, kd_scale=lambda t: 1.0)),
    _grad_mutant("kd-fused-grad-t-squared", "fused", "gradient of the KL term scaled by T^2 (the loss's factor) instead of T",
                 replace(GRAD_CORRECT, kd_scale=lambda t: t * t)),
    _grad_mutant("kd-grad-batch-sum", "fused", "gradient of the batch sum: the 1/N is missing",
                 replace(GRAD_CORRECT, batch_mean=False)),
    _grad_mutant("kd-grad-onehot-missing", "reference", "gradient without the -onehot(y) term of the cross-entropy",
                 replace(GRAD_CORRECT, onehot=False)),
    _grad_mutant("kd-grad-teacher-softmax-batch-axis", "fused", "teacher softmax normalised over the batch axis",
                 replace(GRAD_CORRECT, teacher_axis=0)),
]
