# Embedded Linux on 32-bit ARM, hard float (arm-linux-gnueabihf-g++ 12 from
# Debian, with its sysroot under /usr/arm-linux-gnueabihf). Programs run
# under qemu-arm, which CTest uses as the emulator, with Debian's armhf
# multiarch root (-L /): meter-linux links the armhf network libraries from
# /usr/lib/arm-linux-gnueabihf, whose libc (libc6:armhf) must come with its
# own loader. The cross sysroot's loader (libc6-armhf-cross, an older
# revision) with that libc crashes at the first pthread_create.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L /)
# Host packages are used for header-only libraries only (see the root
# CMakeLists); nothing is linked from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(METER_TARGET_PLATFORM linux)
