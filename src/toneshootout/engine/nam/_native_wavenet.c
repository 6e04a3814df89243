/* A1 WaveNet inference: fused, cache-blocked, streaming.
 *
 * Layout: every layer keeps its input as channel rows [Cp][hist + SPAN] (hist = (K-1)·dilation),
 * time contiguous, so a vector covers 8 consecutive samples and any channel count vectorises.
 * A call is cut into tiles of TILE samples that run through all layers (the working set stays in
 * L1/L2); a tile is cut into chunks of CHUNK samples for the register-blocked product. The K taps
 * and the condition mix-in are stacked into one product: a list of (input row, time shift) pairs
 * times a packed weight matrix, MR output rows × NR vectors of time per register block.
 * Chunks past the end of the input are computed on zeros and discarded, so every sample takes
 * the same instruction path (bit-identical output for any block size or segmentation).
 */
#include <stdlib.h>
#include <string.h>

#include "_native_simd.h"
#include "_native_wavenet.h"

/* dst[r][t0 + 0..CHUNK) = bias[r] (+ resid[r][...]) + Σ_p w[r][p] · src[p][t0 + 0..CHUNK) */
static void tapmm(int rows_p, int npairs, const float *restrict w, const float *const *src,
                  long t0, const float *restrict bias, const float *resid, long rstride,
                  float *dst, long dstride)
{
    for (int r = 0; r < rows_p; r += MR) {
        v8 a[MR][NR];
        for (int m = 0; m < MR; ++m)
            for (int j = 0; j < NR; ++j)
                a[m][j] = resid ? ld(resid + (r + m) * rstride + j * VW) + bias[r + m]
                                : bc(bias[r + m]);
        const float *wp = w + (long)(r / MR) * npairs * MR;
        for (int p = 0; p < npairs; ++p, wp += MR) {
            const float *s = src[p] + t0;
            v8 x[NR];
            for (int j = 0; j < NR; ++j) x[j] = ld(s + j * VW);
            for (int m = 0; m < MR; ++m) {
                const v8 wm = bc(wp[m]);
                for (int j = 0; j < NR; ++j) a[m][j] += wm * x[j];
            }
        }
        for (int m = 0; m < MR; ++m)
            for (int j = 0; j < NR; ++j) st(dst + (r + m) * dstride + j * VW, a[m][j]);
    }
}

/* z rows [0, Cp) become the layer's activation a (gated: act(z_top) · sigmoid(z_bottom)). */
static void activate_chunk(const array *A, float *z)
{
    for (int c = 0; c < A->Cp; ++c) {
        float *row = z + (long)c * CHUNK;
        for (int j = 0; j < CHUNK; j += VW) {
            v8 v = vact(A->act, ld(row + j));
            if (A->gated) v *= vsigmoid(ld(row + (long)A->Cp * CHUNK + j));
            st(row + j, v);
        }
    }
}

static void run_layer(wavenet *net, const array *A, int li, long Tp, float *head, float *dst,
                      long dstride)
{
    const layer *L = &A->layers[li];
    const float **pairs = net->pairs;
    const long base = L->hist + net->rpos;
    int p = 0;
    for (int ci = 0; ci < A->C; ++ci)
        for (int k = 0; k < A->K; ++k)
            pairs[p++] = L->buf + ci * L->stride + base - (long)(A->K - 1 - k) * L->dilation;
    pairs[p++] = net->xbuf; /* the condition is the model input (condition_size 1) */
    const float **zrows = pairs + p;
    for (int c = 0; c < A->C; ++c) zrows[c] = net->zbuf + (long)c * CHUNK;

    for (long t0 = 0; t0 < Tp; t0 += CHUNK) {
        tapmm(A->Czp, A->npairs, L->wconv, pairs, t0, L->bconv, NULL, 0, net->zbuf, CHUNK);
        activate_chunk(A, net->zbuf);
        for (int c = 0; c < A->Cp; ++c)
            for (int j = 0; j < CHUNK; j += VW) {
                float *h = head + (long)c * TILE + t0 + j;
                st(h, ld(h) + ld(net->zbuf + (long)c * CHUNK + j));
            }
        if (dst)
            tapmm(A->Cp, A->C, L->w1, zrows, 0, L->b1, L->buf + base + t0, L->stride,
                  dst + t0, dstride);
    }
}

/* Rows of `src` (stride TILE) as product inputs: pairs[i] = src row i. */
static const float **row_pairs(wavenet *net, const float *src, int rows)
{
    for (int i = 0; i < rows; ++i) net->pairs[i] = src + (long)i * TILE;
    return net->pairs;
}

static void run_array(wavenet *net, int ai, long Tp, float *head, float *head_out)
{
    const array *A = &net->arrays[ai];
    const layer *L0 = &A->layers[0];
    float *in0 = L0->buf + L0->hist + net->rpos;
    const float **src = ai == 0 ? row_pairs(net, net->xbuf, 1)
                                : row_pairs(net, net->aout, A->in_size);
    for (long t0 = 0; t0 < Tp; t0 += CHUNK)
        tapmm(A->Cp, A->in_size, A->wre, src, t0, net->zeros, NULL, 0, in0 + t0, L0->stride);
    const int last_array = ai == net->n_arrays - 1;
    for (int li = 0; li < A->n_layers; ++li) {
        float *dst = NULL;
        long dstride = TILE;
        if (li + 1 < A->n_layers) {
            const layer *N = &A->layers[li + 1];
            dst = N->buf + N->hist + net->rpos;
            dstride = N->stride;
        } else if (!last_array) {
            dst = net->aout; /* the last array's residual output feeds nothing */
        }
        run_layer(net, A, li, Tp, head, dst, dstride);
    }
    src = row_pairs(net, head, A->C);
    for (long t0 = 0; t0 < Tp; t0 += CHUNK)
        tapmm(A->Hp, A->C, A->whead, src, t0, A->bhead, NULL, 0, head_out + t0, TILE);
}

/* Move each layer's history to the front of its buffer once the span is used up. */
static void rewind_buffers(wavenet *net)
{
    for (int a = 0; a < net->n_arrays; ++a) {
        const array *A = &net->arrays[a];
        for (int li = 0; li < A->n_layers; ++li) {
            const layer *L = &A->layers[li];
            for (int c = 0; c < A->C; ++c)
                memmove(L->buf + c * L->stride, L->buf + c * L->stride + net->rpos,
                        (size_t)L->hist * sizeof(float));
        }
    }
    net->rpos = 0;
}

static void process_tile(wavenet *net, const float *x, float *y, long m)
{
    const long Tp = round_up(m, CHUNK);
    if (net->rpos + Tp > SPAN) rewind_buffers(net);
    memcpy(net->xbuf, x, (size_t)m * sizeof(float));
    memset(net->xbuf + m, 0, (size_t)(Tp - m) * sizeof(float));
    float *head = net->head_a, *head_out = net->head_b;
    memset(head, 0, (size_t)net->max_rows * TILE * sizeof(float));
    for (int a = 0; a < net->n_arrays; ++a) {
        run_array(net, a, Tp, head, head_out);
        float *t = head; /* this array's projected head starts the next one's head sum */
        head = head_out;
        head_out = t;
    }
    for (long t = 0; t < m; ++t) y[t] = net->head_scale * head[t];
    net->rpos += m;
}

void wavenet_process(wavenet *net, const float *x, float *y, long n)
{
    for (long done = 0; done < n; done += TILE)
        process_tile(net, x + done, y + done, n - done < TILE ? n - done : TILE);
}

long wavenet_receptive_field(const wavenet *net) { return net->receptive_field; }

/* Zero state, then the receptive field of silence: the post-silence state of the players. */
void wavenet_reset(wavenet *net)
{
    for (int a = 0; a < net->n_arrays; ++a) {
        const array *A = &net->arrays[a];
        for (int li = 0; li < A->n_layers; ++li)
            memset(A->layers[li].buf, 0, (size_t)A->Cp * A->layers[li].stride * sizeof(float));
    }
    net->rpos = 0;
    float silence[TILE], sink[TILE];
    memset(silence, 0, sizeof silence);
    for (long left = net->receptive_field; left > 0; left -= TILE)
        process_tile(net, silence, sink, left < TILE ? left : TILE);
}
