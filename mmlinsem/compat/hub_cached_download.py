"""``huggingface_hub.cached_download`` was removed in hub 0.26 and is still imported at
module level by diffusers 0.24 (which mmagic imports). Hub is pinned at 0.36 for gradio (the
app), so the name is put back as a function that says it is gone; mmlinsem never downloads
from a hub, and diffusers calls it only to download remote code."""


def _install_cached_download():
    try:
        import huggingface_hub
    except ImportError:
        return
    if hasattr(huggingface_hub, 'cached_download'):
        return

    def cached_download(*args, **kwargs):
        raise RuntimeError('huggingface_hub.cached_download was removed in huggingface_hub '
                           '0.26; use hf_hub_download (mmlinsem never downloads from a hub)')

    huggingface_hub.cached_download = cached_download


_install_cached_download()
