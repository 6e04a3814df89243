/* LSTM inference: sequential by nature, so the speed comes from keeping one step small.
 *
 * Gate rows are padded per gate to Hp (a multiple of 8) and stored column by column, so a step is
 * Σ_j column_j · input_j over 8-wide vectors with four independent accumulators. Padded rows have
 * zero weights and zero state, so their h stays exactly 0.
 */
#include <stdlib.h>
#include <string.h>

#include "_native_kernels.h"
#include "_native_simd.h"

#define MAX_HIDDEN 4096
#define MAX_LSTM_LAYERS 64
#define GB 4 /* gate vectors per register block */

typedef struct {
    int in, H, Hp;
    float *cols;    /* [in + H][4Hp]: column j holds the weights of input j for every gate row */
    float *bias;    /* [4Hp] */
    float *h0, *c0; /* [Hp] */
    float *h, *c;   /* [Hp] */
} lstm_layer;

struct lstm {
    int in_size, H, Hp, n_layers;
    lstm_layer *layers;
    float *head_w; /* [H] */
    float head_b;
    float *gates; /* [4Hp] */
    float *xh;    /* [in + H]: the step's input and previous h side by side */
};

static float *zeros_f(size_t n) { return calloc(n > 0 ? n : 1, sizeof(float)); }

static const char *load_layer(lstm *net, lstm_layer *L, int in, const float **w)
{
    const int H = net->H, Hp = net->Hp, cols = in + H;
    L->in = in, L->H = H, L->Hp = Hp;
    L->cols = zeros_f((size_t)cols * 4 * Hp);
    L->bias = zeros_f(4 * (size_t)Hp);
    L->h0 = zeros_f(Hp), L->c0 = zeros_f(Hp), L->h = zeros_f(Hp), L->c = zeros_f(Hp);
    if (!L->cols || !L->bias || !L->h0 || !L->c0 || !L->h || !L->c) return "out of memory";
    const float *W = *w; /* (4H, in + H) row-major, gates i, f, g, o */
    for (int r = 0; r < 4 * H; ++r) {
        const int pr = (r / H) * Hp + r % H;
        for (int j = 0; j < cols; ++j) L->cols[(long)j * 4 * Hp + pr] = W[(long)r * cols + j];
        L->bias[pr] = W[(long)4 * H * cols + r];
    }
    const float *state = W + (long)4 * H * cols + 4 * H;
    memcpy(L->h0, state, sizeof(float) * H);
    memcpy(L->c0, state + H, sizeof(float) * H);
    *w = state + 2 * H;
    return NULL;
}

static const char *build(lstm *net, const int32_t *spec, size_t n_spec, const float *w, size_t n_w)
{
    if (n_spec != 3) return "LSTM spec must be (input_size, hidden_size, num_layers)";
    net->in_size = spec[0], net->H = spec[1];
    if (net->in_size != 1) return "input_size must be 1 (mono input)";
    if (net->H < 1 || net->H > MAX_HIDDEN) return "hidden_size out of range";
    if (spec[2] < 1 || spec[2] > MAX_LSTM_LAYERS) return "num_layers out of range";
    net->Hp = (net->H + VW - 1) / VW * VW;
    size_t need = (size_t)net->H + 1;
    for (int l = 0; l < spec[2]; ++l) {
        const size_t in = l == 0 ? (size_t)net->in_size : (size_t)net->H;
        need += 4 * (size_t)net->H * (in + net->H) + 4 * (size_t)net->H + 2 * (size_t)net->H;
    }
    if (need != n_w) return "weight count does not match the config";
    net->layers = calloc((size_t)spec[2], sizeof(lstm_layer));
    net->gates = zeros_f(4 * (size_t)net->Hp);
    net->head_w = zeros_f((size_t)net->H);
    net->xh = zeros_f(2 * (size_t)net->H + 1);
    if (!net->layers || !net->gates || !net->head_w || !net->xh) return "out of memory";
    const float *cursor = w;
    for (int l = 0; l < spec[2]; ++l) {
        net->n_layers = l + 1;
        const char *err = load_layer(net, &net->layers[l], l == 0 ? net->in_size : net->H, &cursor);
        if (err) return err;
    }
    memcpy(net->head_w, cursor, sizeof(float) * net->H);
    net->head_b = cursor[net->H];
    return NULL;
}

lstm *lstm_new(const int32_t *spec, size_t n_spec, const float *w, size_t n_w, const char **error)
{
    lstm *net = calloc(1, sizeof(lstm));
    if (!net) {
        *error = "out of memory";
        return NULL;
    }
    *error = build(net, spec, n_spec, w, n_w);
    if (*error) {
        lstm_free(net);
        return NULL;
    }
    lstm_reset(net);
    return net;
}

void lstm_free(lstm *net)
{
    if (!net) return;
    for (int l = 0; net->layers && l < net->n_layers; ++l) {
        lstm_layer *L = &net->layers[l];
        free(L->cols), free(L->bias), free(L->h0), free(L->c0), free(L->h), free(L->c);
    }
    free(net->layers), free(net->gates), free(net->head_w), free(net->xh), free(net);
}

void lstm_reset(lstm *net)
{
    for (int l = 0; l < net->n_layers; ++l) {
        lstm_layer *L = &net->layers[l];
        memcpy(L->h, L->h0, sizeof(float) * L->Hp);
        memcpy(L->c, L->c0, sizeof(float) * L->Hp);
    }
}

/* gates = bias + Σ_j column_j · xh_j, four gate vectors per register block. */
static void gate_product(const lstm_layer *L, const float *xh, float *gates)
{
    const int nvec = 4 * L->Hp / VW, cols = L->in + L->H;
    const long col_stride = 4L * L->Hp;
    for (int v = 0; v < nvec; v += GB) {
        v8 acc[GB];
        for (int g = 0; g < GB; ++g) acc[g] = ld(L->bias + (v + g) * VW);
        const float *col = L->cols + (long)v * VW;
        for (int j = 0; j < cols; ++j, col += col_stride) {
            const v8 s = bc(xh[j]);
            for (int g = 0; g < GB; ++g) acc[g] += ld(col + g * VW) * s;
        }
        for (int g = 0; g < GB; ++g) st(gates + (v + g) * VW, acc[g]);
    }
}

/* One time step of one layer: c = f·c + i·g, h = o·tanh(c). */
static void step_layer(lstm_layer *L, const float *input, float *xh, float *gates)
{
    memcpy(xh, input, sizeof(float) * L->in);
    memcpy(xh + L->in, L->h, sizeof(float) * L->H);
    gate_product(L, xh, gates);
    const int Hp = L->Hp;
    for (int k = 0; k < Hp; k += VW) {
        const v8 i = vsigmoid(ld(gates + k)), f = vsigmoid(ld(gates + Hp + k));
        const v8 g = vtanh(ld(gates + 2 * Hp + k)), o = vsigmoid(ld(gates + 3 * Hp + k));
        const v8 c = f * ld(L->c + k) + i * g;
        st(L->c + k, c);
        st(L->h + k, o * vtanh(c));
    }
}

void lstm_process(lstm *net, const float *x, float *y, long n)
{
    for (long t = 0; t < n; ++t) {
        const float *input = x + t;
        for (int l = 0; l < net->n_layers; ++l) {
            step_layer(&net->layers[l], input, net->xh, net->gates);
            input = net->layers[l].h;
        }
        float out = net->head_b;
        for (int j = 0; j < net->H; ++j) out += net->head_w[j] * input[j];
        y[t] = out;
    }
}
