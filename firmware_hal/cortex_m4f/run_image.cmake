# Runs a self-test image under qemu-system-arm (MPS2-AN386, semihosting,
# -icount shift=0), keeps its report in LOG, prints it, and fails with the
# image's exit status.
execute_process(
  COMMAND ${QEMU} -M mps2-an386 -nographic -semihosting-config enable=on,target=native -icount shift=0 -kernel ${IMAGE}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status TIMEOUT 550)
file(WRITE ${LOG} "${out}")
message("${out}${err}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${IMAGE}: exit status ${status}")
endif()
