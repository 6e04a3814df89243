/* Internal layout of the native A1 WaveNet, shared by its builder and its compute loop. */
#ifndef TONESHOOTOUT_NATIVE_WAVENET_H
#define TONESHOOTOUT_NATIVE_WAVENET_H

#include "_native_kernels.h"
#include "_native_simd.h"

#ifndef MR
#define MR 4
#endif
#ifndef NR
#define NR 3
#endif
#define CHUNK (NR * VW)
#ifndef TILE_CHUNKS
#define TILE_CHUNKS 22
#endif
#define TILE (CHUNK * TILE_CHUNKS)
#define SPAN (TILE * 8)
#define MAX_ARRAYS 64
#define MAX_LAYERS 4096
#define MAX_CHANNELS 1024
#define MAX_KERNEL 64
#define MAX_DILATION (1 << 20)

static inline long round_up(long n, long m) { return (n + m - 1) / m * m; }

typedef struct {
    long dilation, hist, stride;
    float *buf;   /* [Cp][stride]: input history of the layer, then the current tile */
    float *wconv; /* [Czp/MR][npairs][MR], pairs = (ci, k) then the condition */
    float *bconv; /* [Czp] */
    float *w1;    /* [Cp/MR][C][MR] */
    float *b1;    /* [Cp] */
} layer;

typedef struct {
    int in_size, cond, C, Cp, K, head, Hp, act, gated, head_bias, n_layers, Czp, npairs;
    float *wre;   /* [Cp/MR][in_size][MR] */
    float *whead; /* [Hp/MR][C][MR] */
    float *bhead; /* [Hp] */
    layer *layers;
} array;

struct wavenet {
    int n_arrays;
    array *arrays;
    float head_scale;
    long receptive_field, rpos;
    int max_rows, max_pairs;
    float *xbuf, *zbuf, *head_a, *head_b, *aout, *zeros;
    const float **pairs;
};

float *alloc_floats(long n);

#endif
