#include "meter/interfaces/https_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>

#include "web_assets.h"

namespace meter::interfaces {

namespace {

double WallClock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string RandomHex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// A new file only this user may read, or an error (it must not exist).
FILE* CreatePrivateFile(const std::string& path, std::string& why) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    why = path + ": " + std::strerror(errno);
    return nullptr;
  }
  FILE* f = fdopen(fd, "w");
  if (f == nullptr) {
    why = path + ": " + std::strerror(errno);
    close(fd);
  }
  return f;
}

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// Cookie header: the value of `name`, or empty.
std::string CookieValue(const std::string& header, const std::string& name) {
  std::size_t at = 0;
  while (at < header.size()) {
    std::size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string item = header.substr(at, end - at);
    const std::size_t first = item.find_first_not_of(' ');
    item = first == std::string::npos ? "" : item.substr(first);
    if (item.rfind(name + "=", 0) == 0) return item.substr(name.size() + 1);
    at = end + 1;
  }
  return {};
}

// The host part of a Host header, if it is plainly a host name or address.
std::string SafeHost(const std::string& host_header, const std::string& fallback) {
  std::string host = host_header;
  if (!host.empty() && host[0] == '[') {
    const std::size_t close = host.find(']');
    host = close == std::string::npos ? "" : host.substr(0, close + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty() || host.size() > 253) return fallback;
  for (const char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
      return fallback;
  }
  return host;
}

}  // namespace

bool EnsureSelfSignedCertificate(const std::string& cert_file, const std::string& key_file,
                                 const std::string& common_name, const std::vector<std::string>& extra_names,
                                 bool& created, std::string& why) {
  created = false;
  const bool have_cert = FileExists(cert_file), have_key = FileExists(key_file);
  if (have_cert && have_key) return true;
  if (have_cert != have_key) {
    why = (have_cert ? key_file : cert_file) + ": missing (its pair " + (have_cert ? cert_file : key_file) +
          " exists): remove both to have new ones made, or give both";
    return false;
  }
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  BIGNUM* serial = BN_new();
  bool ok = key != nullptr && cert != nullptr && serial != nullptr;
  ok = ok && X509_set_version(cert, 2) == 1;
  ok = ok && BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1;
  ok = ok && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) != nullptr;
  ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr;
  ok = ok && X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 366 * 86400) != nullptr;
  ok = ok && X509_set_pubkey(cert, key) == 1;
  X509_NAME* name = ok ? X509_get_subject_name(cert) : nullptr;
  ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("meter-core"),
                                        -1, -1, 0) == 1;
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) == 1;
  ok = ok && X509_set_issuer_name(cert, name) == 1;
  std::string names = "DNS:localhost,IP:127.0.0.1,IP:::1,DNS:" + common_name;
  for (const std::string& n : extra_names) {
    if (n.empty() || n == "0.0.0.0" || n == "::") continue;
    const bool numeric = n.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos &&
                         n.find_first_of(".:") != std::string::npos;
    names += (numeric ? ",IP:" : ",DNS:") + n;
  }
  ok = ok && AddExtension(cert, NID_subject_alt_name, names);
  ok = ok && AddExtension(cert, NID_basic_constraints, "critical,CA:FALSE");
  ok = ok && AddExtension(cert, NID_key_usage, "critical,digitalSignature");
  ok = ok && AddExtension(cert, NID_ext_key_usage, "serverAuth");
  ok = ok && X509_sign(cert, key, EVP_sha256()) > 0;
  if (!ok) why = "cannot make a self-signed certificate (OpenSSL)";
  if (ok) {
    FILE* f = CreatePrivateFile(key_file, why);
    ok = f != nullptr && PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (f != nullptr) ok = std::fclose(f) == 0 && ok;
  }
  if (ok) {
    FILE* f = CreatePrivateFile(cert_file, why);
    ok = f != nullptr && PEM_write_X509(f, cert) == 1;
    if (f != nullptr) ok = std::fclose(f) == 0 && ok;
    if (!ok) unlink(key_file.c_str());
  }
  BN_free(serial);
  X509_free(cert);
  EVP_PKEY_free(key);
  created = ok;
  return ok;
}

bool EnsureApiToken(const std::string& path, std::string& token, bool& created, std::string& why) {
  created = false;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    token = RandomHex(32);
    FILE* f = token.empty() ? nullptr : CreatePrivateFile(path, why);
    if (f == nullptr) {
      if (token.empty()) why = "no random bytes for the token";
      return false;
    }
    const bool ok = std::fprintf(f, "%s\n", token.c_str()) > 0;
    if (std::fclose(f) != 0 || !ok) {
      why = path + ": write failed";
      return false;
    }
    created = true;
    return true;
  }
  if ((st.st_mode & 077) != 0) {
    why = path + ": readable by others: make it 0600";
    return false;
  }
  std::ifstream file(path);
  std::getline(file, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < 16) {
    why = path + ": a token has at least 16 characters";
    return false;
  }
  return true;
}

struct HttpsServer::Impl {
  std::unique_ptr<httplib::SSLServer> server;
  std::unique_ptr<httplib::Server> redirect;
  std::thread thread, redirect_thread;
  std::mutex mutex;                        // sessions and the limiter: HTTP threads only
  std::map<std::string, double> sessions;  // id -> expiry
  LoginLimiter limiter;
};

HttpsServer::HttpsServer(const SnapshotChannel& channel, DeviceInfo device, HealthSource health)
    : channel_(channel), device_(std::move(device)), health_(std::move(health)) {}

HttpsServer::~HttpsServer() { Stop(); }

void HttpsServer::Stop() {
  if (!impl_) return;
  if (impl_->server) impl_->server->stop();
  if (impl_->redirect) impl_->redirect->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  if (impl_->redirect_thread.joinable()) impl_->redirect_thread.join();
  impl_.reset();
}

bool HttpsServer::Start(const HttpsOptions& options, std::string& why) {
  impl_ = std::make_unique<Impl>();
  Impl& impl = *impl_;
  impl.server = std::make_unique<httplib::SSLServer>(options.cert_file.c_str(), options.key_file.c_str());
  if (!impl.server->is_valid()) {
    why = options.cert_file + " / " + options.key_file + ": not a usable certificate and key";
    impl_.reset();
    return false;
  }
  // TLS 1.2 or newer only.
  SSL_CTX_set_min_proto_version(impl.server->ssl_context(), TLS1_2_VERSION);
  httplib::SSLServer& server = *impl.server;
  const int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(5);
  server.set_keep_alive_max_count(1000);  // a TLS handshake costs far more than a reply
  // Headers and body go out in separate writes: without TCP_NODELAY each
  // reply waits for the client's delayed ACK (about 40 ms).
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(4096);  // nothing here takes a body beyond a login form

  const std::string token = options.token;
  const HttpsOptions opts = options;

  server.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    res.set_header("Strict-Transport-Security", "max-age=31536000");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
  });

  const auto json_error = [](httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(Json{{"error", message}}.dump(), "application/json");
  };

  // The failed-login limiter, for the token check and the login form alike
  // (called with the mutex held): a refused address gets 429; each failure
  // is counted and logged.
  const auto refused = [this](const httplib::Request& req, httplib::Response& res, double now) {
    if (!impl_->limiter.Blocked(req.remote_addr, now)) return false;
    stats_.refused_logins.fetch_add(1, std::memory_order_relaxed);
    res.status = 429;
    res.set_header("Retry-After", "60");
    res.set_content(Json{{"error", "too many failed logins from this address: wait a minute"}}.dump(),
                    "application/json");
    return true;
  };
  const auto count_failure = [this](const httplib::Request& req, double now) {
    stats_.failed_logins.fetch_add(1, std::memory_order_relaxed);
    const int n = impl_->limiter.Failed(req.remote_addr, now);
    std::cerr << "meter-linux: HTTPS: failed login from " << req.remote_addr << " (" << n << " in the last minute)\n";
  };

  // The token check, shared by every protected route. Wrong credentials
  // count as a failed login for the limiter; none at all is just a 401.
  const auto authorised = [this, token, json_error, refused, count_failure](const httplib::Request& req,
                                                                            httplib::Response& res, bool page) {
    stats_.requests.fetch_add(1, std::memory_order_relaxed);
    Impl& im = *impl_;
    const double now = WallClock();
    const std::string auth = req.get_header_value("Authorization");
    const std::string cookie = CookieValue(req.get_header_value("Cookie"), "meter_session");
    std::lock_guard<std::mutex> lock(im.mutex);
    if (auth.empty() && cookie.empty()) {
      if (page) {
        res.status = 303;
        res.set_header("Location", "/login");
      } else {
        json_error(res, 401, "authentication required: Authorization: Bearer TOKEN, or log in at /login");
        res.set_header("WWW-Authenticate", "Bearer");
      }
      return false;
    }
    if (refused(req, res, now)) return false;
    bool ok = false;
    if (!auth.empty()) {
      ok = auth.rfind("Bearer ", 0) == 0 && ConstantTimeEqual(auth.substr(7), token);
    } else {
      const auto it = im.sessions.find(cookie);
      ok = it != im.sessions.end() && it->second > now;
      if (it != im.sessions.end() && !ok) im.sessions.erase(it);
    }
    if (ok) return true;
    count_failure(req, now);
    if (page) {
      res.status = 303;
      res.set_header("Location", "/login");
    } else {
      json_error(res, 401, "wrong token or expired session");
      res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    }
    return false;
  };

  const auto json_route = [&server, authorised](const std::string& path, std::function<Json()> body) {
    server.Get(path, [authorised, body](const httplib::Request& req, httplib::Response& res) {
      if (!authorised(req, res, false)) return;
      res.set_content(body().dump(), "application/json");
    });
  };
  json_route("/api/v1/info", [this] {
    return InfoJson(device_, channel_.Read(), health_ ? health_() : InterfaceHealth{}, WallClock());
  });
  json_route("/api/v1/status", [this] { return StatusJson(channel_.Read()); });
  json_route("/api/v1/energy", [this] { return EnergyApiJson(channel_.Read()); });
  json_route("/api/v1/harmonics", [this] { return HarmonicsJson(channel_.Read()); });

  const auto history = [opts, authorised, json_error](const httplib::Request& req, httplib::Response& res, bool csv) {
    if (!authorised(req, res, false)) return;
    if (!opts.have_profile) {
      json_error(res, 404, "the load-profile logger is off");
      return;
    }
    const std::size_t q = req.target.find('?');
    const std::string query = q == std::string::npos ? "" : req.target.substr(q + 1);
    HistoryRequest request;
    std::string problem;
    if (!ParseHistoryQuery(query, static_cast<std::int64_t>(WallClock()), opts.profile.period_s, request, problem)) {
      json_error(res, 400, problem);
      return;
    }
    std::vector<HistoryRow> rows;
    bool bad_request = false;
    if (!ReadHistory(opts.profile, request, rows, bad_request, problem)) {
      json_error(res, bad_request ? 400 : 500, problem);
      return;
    }
    if (csv) {
      res.set_content(HistoryCsv(rows), "text/csv");
    } else {
      res.set_content(HistoryJson(request, rows).dump(), "application/json");
    }
  };
  server.Get("/api/v1/history",
             [history](const httplib::Request& req, httplib::Response& res) { history(req, res, false); });
  server.Get("/api/v1/history.csv",
             [history](const httplib::Request& req, httplib::Response& res) { history(req, res, true); });

  // The page's files are compiled in: nothing is read from disk, so no path
  // can reach outside them.
  for (const WebAsset& asset : WebAssets()) {
    const std::string path = asset.path;
    const bool is_public = asset.is_public;
    const std::string route = path == "/index.html" ? "/" : path;
    server.Get(route, [asset, is_public, authorised](const httplib::Request& req, httplib::Response& res) {
      if (!is_public && !authorised(req, res, true)) return;
      res.set_content(std::string(asset.data, asset.size), asset.content_type);
      res.set_header("Cache-Control", "no-cache");
    });
  }

  server.Post("/login", [this, token, refused, count_failure](const httplib::Request& req, httplib::Response& res) {
    stats_.requests.fetch_add(1, std::memory_order_relaxed);
    Impl& im = *impl_;
    const double now = WallClock();
    std::lock_guard<std::mutex> lock(im.mutex);
    if (refused(req, res, now)) return;
    const std::string given = req.has_param("token") ? req.get_param_value("token") : "";
    if (!ConstantTimeEqual(given, token)) {
      count_failure(req, now);
      res.status = 303;
      res.set_header("Location", "/login?failed=1");
      return;
    }
    // Sessions expire; at most 256 live at once (the oldest goes first).
    for (auto it = im.sessions.begin(); it != im.sessions.end();)
      it = it->second <= now ? im.sessions.erase(it) : std::next(it);
    while (im.sessions.size() >= 256) {
      auto oldest = im.sessions.begin();
      for (auto it = im.sessions.begin(); it != im.sessions.end(); ++it) {
        if (it->second < oldest->second) oldest = it;
      }
      im.sessions.erase(oldest);
    }
    const std::string id = RandomHex(32);
    im.sessions[id] = now + 12 * 3600.0;
    res.status = 303;
    res.set_header("Set-Cookie", "meter_session=" + id + "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=43200");
    res.set_header("Location", "/");
  });
  server.Post("/logout", [this](const httplib::Request& req, httplib::Response& res) {
    Impl& im = *impl_;
    std::lock_guard<std::mutex> lock(im.mutex);
    im.sessions.erase(CookieValue(req.get_header_value("Cookie"), "meter_session"));
    res.status = 303;
    res.set_header("Set-Cookie", "meter_session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    res.set_header("Location", "/login");
  });

  // Everything else: 404 (405 for a method the path does not take).
  server.set_error_handler([json_error](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && req.path.rfind("/api/", 0) == 0) json_error(res, 404, "no such endpoint");
    if (res.status == 404 && req.path.rfind("/api/", 0) != 0) res.set_content("Not found\n", "text/plain");
    if (res.status == 413 || res.status == 414 || res.status == 431)
      res.set_content("Request too large\n", "text/plain");
  });

  if (options.at.port == 0) {
    port_ = server.bind_to_any_port(options.at.host);
  } else {
    port_ = server.bind_to_port(options.at.host, options.at.port) ? options.at.port : -1;
  }
  if (port_ <= 0) {
    why = options.at.host + ":" + std::to_string(options.at.port) + ": cannot bind";
    impl_.reset();
    return false;
  }
  impl.thread = std::thread([&server] { server.listen_after_bind(); });

  if (options.redirect_at) {
    impl.redirect = std::make_unique<httplib::Server>();
    httplib::Server& redirect = *impl.redirect;
    redirect.new_task_queue = [] { return new httplib::ThreadPool(2); };
    redirect.set_read_timeout(5, 0);
    redirect.set_payload_max_length(1024);
    const int https_port = port_;
    const std::string fallback =
        options.at.host == "0.0.0.0" || options.at.host == "::" ? "localhost" : options.at.host;
    redirect.set_pre_routing_handler([https_port, fallback](const httplib::Request& req, httplib::Response& res) {
      const std::string host = SafeHost(req.get_header_value("Host"), fallback);
      const std::string target = req.target.empty() || req.target[0] != '/' ? "/" : req.target;
      res.status = 301;
      res.set_header("Location", "https://" + host + ":" + std::to_string(https_port) + target);
      return httplib::Server::HandlerResponse::Handled;
    });
    const Endpoint& at = *options.redirect_at;
    redirect_port_ =
        at.port == 0 ? redirect.bind_to_any_port(at.host) : (redirect.bind_to_port(at.host, at.port) ? at.port : -1);
    if (redirect_port_ <= 0) {
      why = at.host + ":" + std::to_string(at.port) + ": cannot bind the redirect port";
      Stop();
      return false;
    }
    impl.redirect_thread = std::thread([&redirect] { redirect.listen_after_bind(); });
  }
  return true;
}

}  // namespace meter::interfaces
