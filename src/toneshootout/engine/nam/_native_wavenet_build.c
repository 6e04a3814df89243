/* Building and freeing a native A1 WaveNet: spec parsing, validation, weight packing. */
#include <stdlib.h>
#include <string.h>

#include "_native_wavenet.h"

float *alloc_floats(long n)
{
    size_t bytes = (size_t)round_up(n > 0 ? n : 1, 16) * sizeof(float);
    float *p = aligned_alloc(64, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

/* Pack a rows × pairs matrix (row-major, `pairs` columns) into [rows_p/MR][pairs][MR];
 * row_of maps each packed row to a source row, or -1 for zero padding. */
static float *pack(const float *src, int rows_p, int pairs, const int *row_of)
{
    float *out = alloc_floats((long)rows_p * pairs);
    if (!out) return NULL;
    for (int r = 0; r < rows_p; ++r) {
        if (row_of[r] < 0) continue;
        for (int p = 0; p < pairs; ++p)
            out[((long)(r / MR) * pairs + p) * MR + r % MR] = src[(long)row_of[r] * pairs + p];
    }
    return out;
}

static float *pad_vec(const float *src, int rows_p, const int *row_of)
{
    float *out = alloc_floats(rows_p);
    if (!out) return NULL;
    for (int r = 0; r < rows_p; ++r)
        if (row_of[r] >= 0) out[r] = src[row_of[r]];
    return out;
}

/* Packed row r → source row: plain (r < rows), or gated halves each padded to rows_p/2. */
static void fill_row_map(int *row_of, int rows, int rows_p, int gated)
{
    if (!gated) {
        for (int r = 0; r < rows_p; ++r) row_of[r] = r < rows ? r : -1;
        return;
    }
    const int half = rows / 2, half_p = rows_p / 2;
    for (int r = 0; r < half_p; ++r) {
        row_of[r] = r < half ? r : -1;
        row_of[half_p + r] = r < half ? half + r : -1;
    }
}

typedef struct {
    const float *w;
    size_t n, pos;
} reader;

static const float *take(reader *rd, size_t count)
{
    if (rd->pos + count > rd->n) return NULL;
    const float *p = rd->w + rd->pos;
    rd->pos += count;
    return p;
}

static const char *parse_array(array *A, const int32_t *s, size_t left, size_t *used)
{
    if (left < 9) return "spec ends inside a layer array";
    A->in_size = s[0], A->cond = s[1], A->C = s[2], A->K = s[3], A->head = s[4];
    A->act = s[5], A->gated = s[6], A->head_bias = s[7], A->n_layers = s[8];
    if (A->in_size < 1 || A->in_size > MAX_CHANNELS) return "input_size out of range";
    if (A->cond != 1) return "condition_size must be 1 (mono input)";
    if (A->C < 1 || A->C > MAX_CHANNELS) return "channels out of range";
    if (A->K < 1 || A->K > MAX_KERNEL) return "kernel_size out of range";
    if (A->head < 1 || A->head > MAX_CHANNELS) return "head_size out of range";
    if (A->act < 0 || A->act >= ACT_COUNT) return "unknown activation code";
    if (A->n_layers < 1 || A->n_layers > MAX_LAYERS) return "layer count out of range";
    if ((size_t)A->n_layers > left - 9) return "spec ends inside the dilations";
    A->Cp = (int)round_up(A->C, MR);
    A->Hp = (int)round_up(A->head, MR);
    A->Czp = A->gated ? 2 * A->Cp : A->Cp;
    A->npairs = A->C * A->K + A->cond;
    A->layers = calloc((size_t)A->n_layers, sizeof(layer));
    if (!A->layers) return "out of memory";
    for (int i = 0; i < A->n_layers; ++i) {
        layer *L = &A->layers[i];
        L->dilation = s[9 + i];
        if (L->dilation < 1 || L->dilation > MAX_DILATION) return "dilation out of range";
        L->hist = (A->K - 1) * L->dilation;
        L->stride = round_up(L->hist + SPAN, 16);
        L->buf = alloc_floats((long)A->Cp * L->stride);
        if (!L->buf) return "out of memory";
    }
    *used = 9 + (size_t)A->n_layers;
    return NULL;
}

static const char *load_layer(const array *A, layer *L, reader *rd, int *row_of)
{
    const int cz = A->gated ? 2 * A->C : A->C, ck = A->C * A->K;
    const float *conv = take(rd, (size_t)cz * ck), *bconv = take(rd, cz);
    const float *mix = take(rd, (size_t)cz * A->cond);
    const float *w1 = take(rd, (size_t)A->C * A->C), *b1 = take(rd, A->C);
    if (!b1) return "too few weights for the config";
    float *stacked = malloc(sizeof(float) * (size_t)cz * A->npairs);
    if (!stacked) return "out of memory";
    for (int r = 0; r < cz; ++r) { /* [conv taps (ci, k) | condition mix-in] per output row */
        memcpy(stacked + (long)r * A->npairs, conv + (long)r * ck, sizeof(float) * ck);
        memcpy(stacked + (long)r * A->npairs + ck, mix + (long)r * A->cond,
               sizeof(float) * A->cond);
    }
    fill_row_map(row_of, cz, A->Czp, A->gated);
    L->wconv = pack(stacked, A->Czp, A->npairs, row_of);
    L->bconv = pad_vec(bconv, A->Czp, row_of);
    free(stacked);
    fill_row_map(row_of, A->C, A->Cp, 0);
    L->w1 = pack(w1, A->Cp, A->C, row_of);
    L->b1 = pad_vec(b1, A->Cp, row_of);
    return L->wconv && L->bconv && L->w1 && L->b1 ? NULL : "out of memory";
}

static const char *load_array(array *A, reader *rd)
{
    int *row_of = malloc(sizeof(int) * (size_t)(2 * A->Cp + A->Hp));
    if (!row_of) return "out of memory";
    const char *err = NULL;
    const float *re = take(rd, (size_t)A->C * A->in_size);
    if (!re) err = "too few weights for the config";
    if (!err) {
        fill_row_map(row_of, A->C, A->Cp, 0);
        A->wre = pack(re, A->Cp, A->in_size, row_of);
    }
    for (int i = 0; !err && i < A->n_layers; ++i) err = load_layer(A, &A->layers[i], rd, row_of);
    if (!err) {
        const float *wh = take(rd, (size_t)A->head * A->C);
        const float *bh = A->head_bias ? take(rd, A->head) : NULL;
        if (!wh || (A->head_bias && !bh)) err = "too few weights for the config";
        if (!err) {
            fill_row_map(row_of, A->head, A->Hp, 0);
            A->whead = pack(wh, A->Hp, A->C, row_of);
            A->bhead = bh ? pad_vec(bh, A->Hp, row_of) : alloc_floats(A->Hp);
            if (!A->wre || !A->whead || !A->bhead) err = "out of memory";
        }
    }
    free(row_of);
    return err;
}

static const char *check_chain(const wavenet *net)
{
    for (int a = 0; a < net->n_arrays; ++a) {
        const array *A = &net->arrays[a];
        if (a == 0 && A->in_size != 1) return "the first layer array's input_size must be 1";
        if (a > 0 && A->in_size != net->arrays[a - 1].C)
            return "a layer array's input_size must equal the previous array's channels";
        if (a + 1 < net->n_arrays && A->head != net->arrays[a + 1].C)
            return "a layer array's head_size must equal the next array's channels";
        if (a + 1 == net->n_arrays && A->head != 1) return "the last head_size must be 1";
    }
    return NULL;
}

static const char *alloc_scratch(wavenet *net)
{
    int max_cp = 1, max_czp = 1, max_pairs = 1;
    net->receptive_field = 1;
    for (int a = 0; a < net->n_arrays; ++a) {
        const array *A = &net->arrays[a];
        max_cp = A->Cp > max_cp ? A->Cp : max_cp;
        max_cp = A->Hp > max_cp ? A->Hp : max_cp;
        max_czp = A->Czp > max_czp ? A->Czp : max_czp;
        const int p = A->npairs + A->C > A->in_size ? A->npairs + A->C : A->in_size;
        max_pairs = p > max_pairs ? p : max_pairs;
        for (int i = 0; i < A->n_layers; ++i) net->receptive_field += A->layers[i].hist;
    }
    net->max_rows = max_cp;
    net->max_pairs = max_pairs;
    net->xbuf = alloc_floats(TILE);
    net->zbuf = alloc_floats((long)max_czp * CHUNK);
    net->head_a = alloc_floats((long)max_cp * TILE);
    net->head_b = alloc_floats((long)max_cp * TILE);
    net->aout = alloc_floats((long)max_cp * TILE);
    net->zeros = alloc_floats(max_cp);
    net->pairs = malloc(sizeof(float *) * (size_t)max_pairs);
    return net->xbuf && net->zbuf && net->head_a && net->head_b && net->aout && net->zeros &&
                   net->pairs
               ? NULL
               : "out of memory";
}

static const char *build(wavenet *net, const int32_t *spec, size_t n_spec, const float *w,
                         size_t n_w)
{
    if (n_spec < 1 || spec[0] < 1 || spec[0] > MAX_ARRAYS) return "layer array count out of range";
    net->arrays = calloc((size_t)spec[0], sizeof(array));
    if (!net->arrays) return "out of memory";
    size_t pos = 1;
    for (int a = 0; a < spec[0]; ++a) {
        size_t used = 0;
        net->n_arrays = a + 1; /* so that wavenet_free releases what was allocated */
        const char *err = parse_array(&net->arrays[a], spec + pos, n_spec - pos, &used);
        if (err) return err;
        pos += used;
    }
    if (pos != n_spec) return "spec has trailing values";
    const char *err = check_chain(net);
    reader rd = {w, n_w, 0};
    for (int a = 0; !err && a < net->n_arrays; ++a) err = load_array(&net->arrays[a], &rd);
    if (err) return err;
    if (rd.pos + 1 != n_w) return "weight count does not match the config";
    net->head_scale = w[n_w - 1];
    return alloc_scratch(net);
}

wavenet *wavenet_new(const int32_t *spec, size_t n_spec, const float *w, size_t n_w,
                     const char **error)
{
    wavenet *net = calloc(1, sizeof(wavenet));
    if (!net) {
        *error = "out of memory";
        return NULL;
    }
    *error = build(net, spec, n_spec, w, n_w);
    if (*error) {
        wavenet_free(net);
        return NULL;
    }
    wavenet_reset(net);
    return net;
}

void wavenet_free(wavenet *net)
{
    if (!net) return;
    for (int a = 0; a < net->n_arrays; ++a) {
        array *A = &net->arrays[a];
        for (int i = 0; A->layers && i < A->n_layers; ++i) {
            layer *L = &A->layers[i];
            free(L->buf), free(L->wconv), free(L->bconv), free(L->w1), free(L->b1);
        }
        free(A->layers), free(A->wre), free(A->whead), free(A->bhead);
    }
    free(net->arrays), free(net->xbuf), free(net->zbuf), free(net->head_a), free(net->head_b);
    free(net->aout), free(net->zeros), free((void *)net->pairs);
    free(net);
}
