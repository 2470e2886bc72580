"""Pure torch building blocks: networks, losses, differentiable augmentation."""
