#pragma once
// The dashboard's files (interfaces/web/), compiled into meter-linux by
// cmake/embed_web.cmake: the server reads nothing from disk.

#include <cstddef>
#include <vector>

namespace meter::interfaces {

struct WebAsset {
  const char* path;  ///< "/index.html", "/app.js", ...
  const char* content_type;
  const char* data;
  std::size_t size;
  bool is_public;  ///< Served without the token (the login page and its style).
};

const std::vector<WebAsset>& WebAssets();

}  // namespace meter::interfaces
