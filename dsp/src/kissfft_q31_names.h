// Force-included into the int32 KissFFT build and its wrapper: the fixed-point
// datatype, and public names of its own so it links beside the float library.
#define FIXED_POINT 32
#define kiss_fft_alloc meter_q31_kiss_fft_alloc
#define kiss_fft meter_q31_kiss_fft
#define kiss_fft_stride meter_q31_kiss_fft_stride
#define kiss_fft_cleanup meter_q31_kiss_fft_cleanup
#define kiss_fft_next_fast_size meter_q31_kiss_fft_next_fast_size
#define kiss_fftr_alloc meter_q31_kiss_fftr_alloc
#define kiss_fftr meter_q31_kiss_fftr
#define kiss_fftri meter_q31_kiss_fftri
