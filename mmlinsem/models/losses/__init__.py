from .reconstruction_loss import build_loss, parse_loss

__all__ = ['build_loss', 'parse_loss']
