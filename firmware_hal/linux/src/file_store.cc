#include "meter/hal/linux/file_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace meter::hal::linux_board {

Status FileStore::Open(const std::string& path, std::size_t sector_size, int sectors, std::string& why) {
  if (sector_size == 0 || sector_size % 4 != 0 || sectors < 1) {
    why = "file store: sector size must be a positive multiple of 4 and sectors positive";
    return Status::kInvalidArgument;
  }
  path_ = path;
  sector_size_ = sector_size;
  sectors_ = sectors;
  image_.assign(sector_size * static_cast<std::size_t>(sectors), 0xFF);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::kOk;  // a new meter: erased
    why = path + ": " + std::strerror(errno);
    return Status::kUnavailable;
  }
  std::size_t have = 0;
  bool too_long = false;
  for (;;) {
    std::uint8_t extra = 0;
    const ssize_t n = have < image_.size() ? read(fd, image_.data() + have, image_.size() - have) : read(fd, &extra, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = path + ": " + std::strerror(errno);
      close(fd);
      return Status::kUnavailable;
    }
    if (n == 0) break;
    if (have >= image_.size()) {
      too_long = true;
      break;
    }
    have += static_cast<std::size_t>(n);
  }
  close(fd);
  if (have != image_.size() || too_long) {
    why = path + ": holds " + (too_long ? "more than" : std::to_string(have) + " bytes, not") + " " +
          std::to_string(image_.size()) + " bytes (another layout?)";
    image_.assign(image_.size(), 0xFF);
    return Status::kDataLoss;
  }
  return Status::kOk;
}

bool FileStore::erased() const {
  for (std::uint8_t b : image_) {
    if (b != 0xFF) return false;
  }
  return true;
}

Status FileStore::Persist() {
  const std::string tmp = path_ + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::kUnavailable;
  std::size_t done = 0;
  while (done < image_.size()) {
    const ssize_t n = write(fd, image_.data() + done, image_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return Status::kUnavailable;
    }
    done += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) return Status::kUnavailable;
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) return Status::kUnavailable;
  // The rename itself is durable only once the directory is synced.
  std::string dir = std::filesystem::path(path_).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Status::kUnavailable;
  const bool synced = fsync(dir_fd) == 0;
  close(dir_fd);
  ++writes_;
  return synced ? Status::kOk : Status::kUnavailable;
}

Status FileStore::DoErase(int sector) {
  if (sector < 0 || sector >= sectors_) return Status::kInvalidArgument;
  std::memset(image_.data() + static_cast<std::size_t>(sector) * sector_size_, 0xFF, sector_size_);
  return Persist();
}

Status FileStore::DoProgram(std::uint32_t address, const std::uint32_t* words, std::size_t count) {
  if (address % 4 != 0 || address > image_.size() || count > (image_.size() - address) / 4)
    return Status::kInvalidArgument;
  for (std::size_t w = 0; w < count; ++w) {
    std::uint8_t bytes[4];
    std::memcpy(bytes, &words[w], 4);
    for (std::size_t b = 0; b < 4; ++b) image_[address + 4 * w + b] &= bytes[b];  // flash clears bits only
  }
  return Persist();
}

Status FileStore::DoRead(std::uint32_t address, void* out, std::size_t bytes) const {
  if (address > image_.size() || bytes > image_.size() - address) return Status::kInvalidArgument;
  std::memcpy(out, image_.data() + address, bytes);
  return Status::kOk;
}

}  // namespace meter::hal::linux_board
