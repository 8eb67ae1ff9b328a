// Force-included into the four-lane KissFFT build and its wrapper: KissFFT's
// own SIMD datatype (kiss_fft_scalar = __m128, four transforms at once), and
// public names of its own so it links beside the float and int32 builds.
#define USE_SIMD 1
#define kiss_fft_alloc meter_sse_kiss_fft_alloc
#define kiss_fft meter_sse_kiss_fft
#define kiss_fft_stride meter_sse_kiss_fft_stride
#define kiss_fft_cleanup meter_sse_kiss_fft_cleanup
#define kiss_fft_next_fast_size meter_sse_kiss_fft_next_fast_size
#define kiss_fftr_alloc meter_sse_kiss_fftr_alloc
#define kiss_fftr meter_sse_kiss_fftr
#define kiss_fftri meter_sse_kiss_fftri
