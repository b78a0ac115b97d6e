#!/usr/bin/env python3
# Rewrites a folder's model.safetensors as pytorch_model.bin in torch.save's zip layout (PyTorch 1.6+), without torch:
# the pickle names torch's classes by reference (collections.OrderedDict, torch._utils._rebuild_tensor_v2, the typed
# storages) and each tensor's bytes become one storage entry. This stands in for the PyTorch-only uploads (OPT's) that
# cannot be downloaded here. Same layout as lowrank-formats/src/test/resources/torch/make_fixture.py.
# usage: python3 results/opt/to_pytorch_bin.py SRC_FOLDER OUT_FOLDER   (copies config.json and tokenizer.json)
import collections, io, json, os, pickle, shutil, struct, sys, types, zipfile

torch = types.ModuleType('torch'); utils = types.ModuleType('torch._utils'); torch._utils = utils
sys.modules['torch'], sys.modules['torch._utils'] = torch, utils
STORAGE = {}
for dtype, name in (('F32', 'FloatStorage'), ('F16', 'HalfStorage'), ('BF16', 'BFloat16Storage'), ('F64', 'DoubleStorage')):
    cls = type(name, (), {}); cls.__module__ = 'torch'; setattr(torch, name, cls); STORAGE[dtype] = cls
SIZE = {'F32': 4, 'F16': 2, 'BF16': 2, 'F64': 8}

def _rebuild_tensor_v2(*args):
    raise RuntimeError('only named')
_rebuild_tensor_v2.__module__ = 'torch._utils'; utils._rebuild_tensor_v2 = _rebuild_tensor_v2

class Storage:
    def __init__(self, dtype, key, data): self.dtype, self.key, self.data = dtype, key, data

class Tensor:
    def __init__(self, storage, shape):
        stride, n = [], 1
        for d in reversed(shape):
            stride.insert(0, n); n *= d
        self.args = (storage, 0, tuple(shape), tuple(stride), False, collections.OrderedDict())
    def __reduce__(self): return (_rebuild_tensor_v2, self.args)

class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ('storage', STORAGE[obj.dtype], obj.key, 'cpu', len(obj.data) // SIZE[obj.dtype])
        return None

src, dst = sys.argv[1], sys.argv[2]
raw = open(os.path.join(src, 'model.safetensors'), 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]; header = json.loads(raw[8:8 + n]); base = 8 + n
state, storages = collections.OrderedDict(), []
for key, (name, info) in enumerate(sorted((k, v) for k, v in header.items() if k != '__metadata__')):
    begin, end = info['data_offsets']
    s = Storage(info['dtype'], str(key), raw[base + begin:base + end]); storages.append(s)
    state[name] = Tensor(s, info['shape'])
state._metadata = collections.OrderedDict([('', {'version': 1})])
buf = io.BytesIO(); Pickler(buf, protocol=2).dump(state)
os.makedirs(dst, exist_ok=True)
with zipfile.ZipFile(os.path.join(dst, 'pytorch_model.bin'), 'w', zipfile.ZIP_STORED) as z:
    z.writestr('pytorch_model/data.pkl', buf.getvalue())
    z.writestr('pytorch_model/byteorder', 'little')
    for s in storages:
        z.writestr('pytorch_model/data/' + s.key, s.data)
    z.writestr('pytorch_model/version', '3\n')
for f in ('config.json', 'tokenizer.json'):
    if os.path.exists(os.path.join(src, f)):
        shutil.copy(os.path.join(src, f), os.path.join(dst, f))
print('wrote', os.path.join(dst, 'pytorch_model.bin'), len(state), 'tensors')
