/* Python bindings of the native NAM kernels: `WaveNet`, `Lstm` and `activation`.
 *
 * Arrays cross the boundary through the buffer protocol (no numpy headers at build time);
 * the GIL is released while a kernel runs, and a processor refuses concurrent use.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_native_kernels.h"
#include "_native_simd.h"

typedef struct {
    PyObject_HEAD
    void *net;
    int is_lstm;
    int busy;
} Processor;

static int get_spec(PyObject *args, Py_buffer *spec, Py_buffer *weights)
{
    if (!PyArg_ParseTuple(args, "y*y*", spec, weights)) return -1;
    if (spec->len % (Py_ssize_t)sizeof(int32_t) || weights->len % (Py_ssize_t)sizeof(float)) {
        PyErr_SetString(PyExc_ValueError, "spec must be int32 and weights float32 buffers");
        PyBuffer_Release(spec), PyBuffer_Release(weights);
        return -1;
    }
    return 0;
}

static int processor_init(Processor *self, PyObject *args, int is_lstm)
{
    Py_buffer spec, weights;
    if (get_spec(args, &spec, &weights) < 0) return -1;
    const char *error = NULL;
    const size_t n_spec = (size_t)spec.len / sizeof(int32_t), n_w = (size_t)weights.len / 4;
    void *net = NULL;
    Py_BEGIN_ALLOW_THREADS /* building runs the receptive field of silence */
    net = is_lstm ? (void *)lstm_new(spec.buf, n_spec, weights.buf, n_w, &error)
                  : (void *)wavenet_new(spec.buf, n_spec, weights.buf, n_w, &error);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&spec), PyBuffer_Release(&weights);
    if (!net) {
        PyErr_SetString(PyExc_ValueError, error ? error : "invalid model");
        return -1;
    }
    if (self->net) is_lstm ? lstm_free(self->net) : wavenet_free(self->net);
    self->net = net;
    self->is_lstm = is_lstm;
    return 0;
}

static int wavenet_init(Processor *self, PyObject *args, PyObject *kw)
{
    (void)kw;
    return processor_init(self, args, 0);
}

static int lstm_init(Processor *self, PyObject *args, PyObject *kw)
{
    (void)kw;
    return processor_init(self, args, 1);
}

static void processor_dealloc(Processor *self)
{
    if (self->net) self->is_lstm ? lstm_free(self->net) : wavenet_free(self->net);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int acquire(Processor *self)
{
    if (!self->net) {
        PyErr_SetString(PyExc_RuntimeError, "processor is not initialised");
        return -1;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "processor is in use by another thread");
        return -1;
    }
    self->busy = 1;
    return 0;
}

static PyObject *processor_process(Processor *self, PyObject *args)
{
    Py_buffer x, y;
    if (!PyArg_ParseTuple(args, "y*w*", &x, &y)) return NULL;
    PyObject *result = NULL;
    if (x.len != y.len || x.len % (Py_ssize_t)sizeof(float)) {
        PyErr_SetString(PyExc_ValueError, "x and y must be float32 buffers of the same length");
    } else if (acquire(self) == 0) {
        const long n = (long)(x.len / (Py_ssize_t)sizeof(float));
        Py_BEGIN_ALLOW_THREADS
        self->is_lstm ? lstm_process(self->net, x.buf, y.buf, n)
                      : wavenet_process(self->net, x.buf, y.buf, n);
        Py_END_ALLOW_THREADS
        self->busy = 0;
        result = Py_NewRef(Py_None);
    }
    PyBuffer_Release(&x), PyBuffer_Release(&y);
    return result;
}

static PyObject *processor_reset(Processor *self, PyObject *unused)
{
    (void)unused;
    if (acquire(self) < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    self->is_lstm ? lstm_reset(self->net) : wavenet_reset(self->net);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    Py_RETURN_NONE;
}

static PyObject *processor_receptive_field(Processor *self, void *closure)
{
    (void)closure;
    if (!self->net || self->is_lstm) return PyLong_FromLong(0);
    return PyLong_FromLong(wavenet_receptive_field(self->net));
}

static PyMethodDef processor_methods[] = {
    {"process", (PyCFunction)processor_process, METH_VARARGS,
     "process(x, y): write the output for the float32 input x into y (same length)."},
    {"reset", (PyCFunction)processor_reset, METH_NOARGS, "Return to the post-silence state."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef processor_getset[] = {
    {"receptive_field", (getter)processor_receptive_field, NULL,
     "Input samples that affect one output sample; 0 when unbounded.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject WaveNetType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "toneshootout.engine.nam._native.WaveNet",
    .tp_doc = "WaveNet(spec: int32 buffer, weights: float32 buffer): an A1 WaveNet.",
    .tp_basicsize = sizeof(Processor),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)wavenet_init,
    .tp_dealloc = (destructor)processor_dealloc,
    .tp_methods = processor_methods,
    .tp_getset = processor_getset,
};

static PyTypeObject LstmType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "toneshootout.engine.nam._native.Lstm",
    .tp_doc = "Lstm(spec: int32 buffer, weights: float32 buffer): a NAM LSTM.",
    .tp_basicsize = sizeof(Processor),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)lstm_init,
    .tp_dealloc = (destructor)processor_dealloc,
    .tp_methods = processor_methods,
    .tp_getset = processor_getset,
};

static PyObject *activation(PyObject *module, PyObject *args)
{
    (void)module;
    int act;
    Py_buffer x, y;
    if (!PyArg_ParseTuple(args, "iy*w*", &act, &x, &y)) return NULL;
    PyObject *result = NULL;
    if (act < 0 || act >= ACT_COUNT) {
        PyErr_SetString(PyExc_ValueError, "unknown activation code");
    } else if (x.len != y.len || x.len % (Py_ssize_t)(VW * sizeof(float))) {
        PyErr_SetString(PyExc_ValueError, "x and y must be float32, same length, a multiple of 8");
    } else {
        const float *xs = x.buf;
        float *ys = y.buf;
        for (Py_ssize_t i = 0; i < x.len / (Py_ssize_t)sizeof(float); i += VW)
            st(ys + i, vact(act, ld(xs + i)));
        result = Py_NewRef(Py_None);
    }
    PyBuffer_Release(&x), PyBuffer_Release(&y);
    return result;
}

static PyObject *build_info(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
#if defined(__AVX2__) && defined(__FMA__)
    return PyUnicode_FromString("avx2+fma");
#elif defined(__AVX__)
    return PyUnicode_FromString("avx");
#else
    return PyUnicode_FromString("generic");
#endif
}

static PyMethodDef module_methods[] = {
    {"activation", activation, METH_VARARGS,
     "activation(code, x, y): y = the kernel's activation `code` of x (length % 8 == 0)."},
    {"build_info", build_info, METH_NOARGS, "The SIMD level the kernel was compiled for."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_native", "Native NAM inference kernels.", -1, module_methods,
};

PyMODINIT_FUNC PyInit__native(void)
{
    if (PyType_Ready(&WaveNetType) < 0 || PyType_Ready(&LstmType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "WaveNet", (PyObject *)&WaveNetType) < 0 ||
        PyModule_AddObjectRef(m, "Lstm", (PyObject *)&LstmType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
