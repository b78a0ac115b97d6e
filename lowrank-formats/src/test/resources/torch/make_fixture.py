#!/usr/bin/env python3
# Writes tiny-state-dict.bin: a state dict laid out as torch.save (PyTorch 1.6+) writes one, without torch itself.
# The pickle names torch's classes by reference (GLOBAL torch.FloatStorage, torch._utils._rebuild_tensor_v2,
# collections.OrderedDict), storages go out as persistent ids ('storage', type, key, 'cpu', numel), the state dict
# carries _metadata (a BUILD), and each storage is a raw little-endian entry tiny/data/KEY of a stored zip.
# Tensors: a.weight F32 (2, 3); a.bias F16 (3); b BF16 (2, 2); a.view F32 (2) at offset 2 of a.weight's storage;
# a.t F32 (3, 2) with strides (1, 3), a transposed view that is not contiguous.
# usage: python3 make_fixture.py  (writes beside itself)
import collections, io, os, pickle, struct, sys, types, zipfile

torch = types.ModuleType('torch')
utils = types.ModuleType('torch._utils')
torch._utils = utils
sys.modules['torch'], sys.modules['torch._utils'] = torch, utils

def storage_class(name):
    cls = type(name, (), {})
    cls.__module__ = 'torch'
    setattr(torch, name, cls)
    return cls

FloatStorage, HalfStorage, BFloat16Storage = (storage_class(n) for n in ('FloatStorage', 'HalfStorage', 'BFloat16Storage'))

def _rebuild_tensor_v2(*args):
    raise RuntimeError('only named, never called')
_rebuild_tensor_v2.__module__ = 'torch._utils'
utils._rebuild_tensor_v2 = _rebuild_tensor_v2

class Storage:
    def __init__(self, kind, key, data):
        self.kind, self.key, self.data = kind, key, data

class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())
    def __reduce__(self):
        return (_rebuild_tensor_v2, self.args)

class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            size = {FloatStorage: 4, HalfStorage: 2, BFloat16Storage: 2}[obj.kind]
            return ('storage', obj.kind, obj.key, 'cpu', len(obj.data) // size)
        return None

floats = [0.5 * i - 1 for i in range(6)]                      # -1, -0.5, 0, 0.5, 1, 1.5
s0 = Storage(FloatStorage, '0', struct.pack('<6f', *floats))
s1 = Storage(HalfStorage, '1', struct.pack('<3e', 0.25, -2.0, 65504.0))
bf = [struct.unpack('<I', struct.pack('<f', v))[0] >> 16 for v in (1.0, -3.0, 0.15625, 256.0)]
s2 = Storage(BFloat16Storage, '2', struct.pack('<4H', *bf))

state = collections.OrderedDict()
state['a.weight'] = Tensor(s0, 0, (2, 3), (3, 1))
state['a.bias'] = Tensor(s1, 0, (3,), (1,))
state['b'] = Tensor(s2, 0, (2, 2), (2, 1))
state['a.view'] = Tensor(s0, 2, (2,), (1,))
state['a.t'] = Tensor(s0, 0, (3, 2), (1, 3))
state._metadata = collections.OrderedDict([('', {'version': 1}), ('a', {'version': 1})])

buffer = io.BytesIO()
Pickler(buffer, protocol=2).dump(state)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'tiny-state-dict.bin')
with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
    z.writestr('tiny/data.pkl', buffer.getvalue())
    z.writestr('tiny/byteorder', 'little')
    for s in (s0, s1, s2):
        z.writestr('tiny/data/' + s.key, s.data)
    z.writestr('tiny/version', '3\n')
print('wrote', out)
