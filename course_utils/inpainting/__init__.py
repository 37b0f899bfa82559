"""Generative image inpainting with contextual attention, small enough for a laptop CPU.

A DeepFill-v1-style model (Yu et al., "Generative Image Inpainting with Contextual
Attention", CVPR 2018): a coarse-to-fine generator whose refinement stage borrows
features from the known region with :class:`ContextualAttention`, trained with
reconstruction losses and local + global critics.

Modules: ``data`` (built-in photos, folders, random crops), ``masks`` (box and free-form
holes), ``attention`` (contextual attention, flow images), ``networks`` (generator,
critics), ``models`` (model files that store their architecture config, the registry of
kinds, :func:`load_model`), ``prefill`` (the classical fills the generator starts from),
``losses``, ``train`` (CLI, DDP, resume), ``api`` (:func:`inpaint` for the GAN and
classical methods), ``evaluate`` (metrics and the comparison table).
"""

from .api import METHODS, WEIGHTS_PATH, inpaint, load_generator
from .attention import AttentionMaps, ContextualAttention, attention_flow_image, flow_to_rgb
from .data import RandomCropDataset, builtin_test_images, builtin_training_images, folder_images
from .evaluate import evaluate, evaluation_set, hole_l1, psnr, ssim
from .masks import free_form_mask, random_bbox_mask
from .models import ModelConfig, build_model, load_model, register_model, save_model
from .networks import Critics, Generator
from .prefill import classical_fill, pull_push_fill

__all__ = [
    "METHODS",
    "WEIGHTS_PATH",
    "AttentionMaps",
    "ContextualAttention",
    "Critics",
    "Generator",
    "ModelConfig",
    "RandomCropDataset",
    "attention_flow_image",
    "build_model",
    "builtin_test_images",
    "builtin_training_images",
    "classical_fill",
    "evaluate",
    "evaluation_set",
    "flow_to_rgb",
    "folder_images",
    "free_form_mask",
    "hole_l1",
    "inpaint",
    "load_generator",
    "load_model",
    "psnr",
    "pull_push_fill",
    "random_bbox_mask",
    "register_model",
    "save_model",
    "ssim",
]
