"""Install mmlinsem.

``pip install -e .`` (or ``pip install .``) installs the package with loose requirements;
the exact, tested pins and the mmcv build live in ``requirements/`` and
``tools/setup_env.sh``. The OpenMMLab ``mim`` extension is added on install: the
``tools/``, ``configs/`` folders and ``model-index.yml`` appear under ``mmlinsem/.mim`` (links
for an editable install, copies otherwise), which is where ``mim train mmlinsem CONFIG`` /
``mim test mmlinsem CONFIG --checkpoint CKPT`` look for the scripts.
"""
import os
import os.path as osp
import shutil
import sys
from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('tools', 'configs', 'model-index.yml')

# Loose lower bounds of what the package imports; requirements/*.txt hold the exact pins.
INSTALL_REQUIRES = [
    'torch>=2.0',
    'mmengine>=0.10',
    'mmcv>=2.0',
    'mmsegmentation>=1.2',
    'mmagic>=1.2',
    'numpy',
    'opencv-python-headless',
    'Pillow',
    'matplotlib',
]
EXTRAS_REQUIRE = dict(
    tests=['pytest', 'openmim'],
    lint=['flake8', 'isort', 'yapf'],
    mim=['openmim'],
)


def read_version() -> str:
    """``__version__`` of mmlinsem/version.py, read without importing the package."""
    scope = {}
    with open(osp.join(ROOT, 'mmlinsem', 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'mmlinsem/version.py', 'exec'), scope)
    return scope['__version__']


def mim_mode():
    """'symlink' for editable installs, 'copy' for wheels / sdists, None otherwise."""
    argv = set(sys.argv[1:])
    if argv & {'develop', 'editable_wheel'}:
        return 'copy' if os.name == 'nt' else 'symlink'
    if argv & {'sdist', 'bdist_wheel', 'build', 'build_py', 'install'}:
        return 'copy'
    return None


def add_mim_extension(mode=None):
    """Put tools/, configs/ and model-index.yml into mmlinsem/.mim for ``mim``."""
    mode = mode or mim_mode()
    if mode is None:
        return
    mim_dir = osp.join(ROOT, 'mmlinsem', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(ROOT, name)
        if not osp.exists(src):
            continue
        dst = osp.join(mim_dir, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmlinsem',
        version=read_version(),
        description='Linear Semantics in GANs (Xu & Zheng, CVPR 2021) as an OpenMMLab plugin',
        long_description=open(osp.join(ROOT, 'README.md'), encoding='utf-8').read(),
        long_description_content_type='text/markdown',
        keywords='GAN, semantic segmentation, linear semantics, OpenMMLab',
        license='Apache License 2.0',
        classifiers=[
            'Programming Language :: Python :: 3',
            'Programming Language :: Python :: 3.11',
            'License :: OSI Approved :: Apache Software License',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        packages=find_packages(include=['mmlinsem', 'mmlinsem.*']),
        package_data={'mmlinsem': ['data/*', 'data/**/*', '.mim/**/*']},
        include_package_data=True,
        python_requires='>=3.8',
        install_requires=INSTALL_REQUIRES,
        extras_require=EXTRAS_REQUIRE,
        zip_safe=False,
    )
