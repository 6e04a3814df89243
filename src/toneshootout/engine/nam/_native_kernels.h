/* Plain-C interface of the native NAM kernels (no Python types): WaveNet A1 and LSTM. */
#ifndef TONESHOOTOUT_NATIVE_KERNELS_H
#define TONESHOOTOUT_NATIVE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef struct wavenet wavenet;
typedef struct lstm lstm;

/* Spec (int32): n_arrays, then per array: input_size, condition_size, channels, kernel_size,
 * head_size, activation, gated, head_bias, n_layers, dilations[n_layers].
 * Weights (float32): the A1 flat layout, head_scale last.
 * On failure returns NULL and points *error at a static message. */
wavenet *wavenet_new(const int32_t *spec, size_t n_spec, const float *w, size_t n_w,
                     const char **error);
void wavenet_free(wavenet *net);
long wavenet_receptive_field(const wavenet *net);
void wavenet_reset(wavenet *net);
void wavenet_process(wavenet *net, const float *x, float *y, long n);

/* Spec (int32): input_size, hidden_size, num_layers. Weights: NAM's LSTM flat layout. */
lstm *lstm_new(const int32_t *spec, size_t n_spec, const float *w, size_t n_w, const char **error);
void lstm_free(lstm *net);
void lstm_reset(lstm *net);
void lstm_process(lstm *net, const float *x, float *y, long n);


#endif
