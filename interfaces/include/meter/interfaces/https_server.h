#pragma once
// The HTTPS API and dashboard (Debian's libcpp-httplib with OpenSSL): read
// only, every endpoint behind the API token (a bearer header, or the
// session cookie of the login page), TLS 1.2 or newer, failed logins
// limited per address. Its threads read the snapshot channel and the load
// profile's database; they never reach the metering loop. docs/WEB.md and
// docs/openapi.json describe it.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "meter/interfaces/http_api.h"
#include "meter/interfaces/load_profile.h"
#include "meter/interfaces/snapshot.h"
#include "meter/interfaces/tcp_listener.h"

namespace meter::interfaces {

struct HttpsOptions {
  Endpoint at;
  std::optional<Endpoint> redirect_at;  ///< Plain HTTP that only redirects to HTTPS.
  std::string cert_file, key_file;      ///< PEM; both exist when Start is called.
  std::string token;                    ///< The API token (from its file).
  bool have_profile = false;
  LoadProfileOptions profile;  ///< Where history comes from.
  int threads = 8;
  double session_lifetime_s = 12 * 3600.0;
};

struct HttpsStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> failed_logins{0};
  std::atomic<std::uint64_t> refused_logins{0};  ///< 429s.
};

/// Creates a per-device self-signed certificate (ECDSA P-256, SHA-256, ten
/// years; subject CN `common_name`; subject alternative names localhost,
/// 127.0.0.1, ::1 and `extra_names`) and its key, both mode 0600, unless
/// both files exist. @returns false with `why`; `created` says whether it
/// wrote them.
bool EnsureSelfSignedCertificate(const std::string& cert_file, const std::string& key_file,
                                 const std::string& common_name, const std::vector<std::string>& extra_names,
                                 bool& created, std::string& why);
/// Reads the API token from `path`, which must be mode 0600; creates it
/// with 256 random bits (64 hex digits) when missing.
bool EnsureApiToken(const std::string& path, std::string& token, bool& created, std::string& why);

class HttpsServer {
 public:
  using HealthSource = std::function<InterfaceHealth()>;
  HttpsServer(const SnapshotChannel& channel, DeviceInfo device, HealthSource health);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  /// Binds (and the redirect port, when asked) and starts serving.
  bool Start(const HttpsOptions& options, std::string& why);
  void Stop();
  int port() const { return port_; }
  int redirect_port() const { return redirect_port_; }
  const HttpsStats& stats() const { return stats_; }

 private:
  struct Impl;
  const SnapshotChannel& channel_;
  DeviceInfo device_;
  HealthSource health_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  int redirect_port_ = 0;
  HttpsStats stats_;
};

}  // namespace meter::interfaces
