#include "meter/interfaces/mqtt_publisher.h"

#include <mosquitto.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>

#include "meter/interfaces/record_queue.h"

namespace meter::interfaces {

bool ParseMqttUrl(const std::string& url, MqttOptions& out, std::string& why) {
  std::string rest;
  if (url.rfind("mqtts://", 0) == 0) {
    out.tls = true;
    out.port = 8883;
    rest = url.substr(8);
  } else if (url.rfind("mqtt://", 0) == 0) {
    out.tls = false;
    out.port = 1883;
    rest = url.substr(7);
  } else {
    why = "'" + url + "' is not mqtts://HOST[:PORT] (or mqtt://, with --mqtt-allow-plaintext)";
    return false;
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  const bool bracketed = !rest.empty() && rest[0] == '[';
  if (colon != std::string::npos && (!bracketed || rest.find(']') < colon)) {
    const std::string port = rest.substr(colon + 1);
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 1 || p > 65535) {
      why = "port '" + port + "' is not 1..65535";
      return false;
    }
    out.port = static_cast<int>(p);
    rest = rest.substr(0, colon);
  }
  if (bracketed) rest = rest.substr(1, rest.size() - 2);
  if (rest.empty() || rest.find_first_of("/ ") != std::string::npos) {
    why = "'" + url + "' names no host";
    return false;
  }
  out.host = rest;
  return true;
}

int MostSlashes(const MqttOptions& o) {
  std::vector<std::string> topics = {o.naming.StateTopic(),  o.naming.EnergyTopic(), o.naming.StatusTopic(),
                                     o.naming.RecordTopic(), o.naming.EventTopic(),  o.telemetry_topic};
  if (o.discovery) {
    for (const Retained& r : DiscoveryConfigs(o.naming)) topics.push_back(r.topic);
  }
  int most = 0;
  for (const auto& t : topics) most = std::max(most, static_cast<int>(std::count(t.begin(), t.end(), '/')));
  return most;
}

bool ApplyMqttPreset(const std::string& preset, MqttOptions& o, std::string& why) {
  if (preset.empty() || preset == "generic") return true;
  if (!o.tls) {
    why = preset + " takes TLS only (mqtts://)";
    return false;
  }
  o.state_qos = std::min(o.state_qos, 1);
  o.record_qos = std::min(o.record_qos, 1);
  const std::string device = o.client_id.empty() ? "meter-core-" + o.naming.serial : o.client_id;
  if (preset == "azure-iot-hub") {
    o.client_id = device;
    o.username = o.host + "/" + device + "/?api-version=2021-04-12";
    if (o.password.empty() && o.cert_file.empty()) {
      why = "azure-iot-hub needs a SAS token (--mqtt-password-file) or an X.509 certificate (--mqtt-cert, --mqtt-key)";
      return false;
    }
    o.telemetry_topic = "devices/" + device + "/messages/events/";
    o.retain = false;
    o.discovery = false;
    return true;
  }
  if (preset == "aws-iot-core") {
    if (o.cert_file.empty()) {
      why = "aws-iot-core needs an X.509 client certificate (--mqtt-cert, --mqtt-key)";
      return false;
    }
    o.client_id = device;
    if (MostSlashes(o) > 7) {
      why = "aws-iot-core allows at most 7 slashes in a topic; shorten --mqtt-topic-prefix or --mqtt-discovery-prefix";
      return false;
    }
    return true;
  }
  why = "unknown preset '" + preset + "' (generic, azure-iot-hub, aws-iot-core)";
  return false;
}

bool MqttPublisher::Start(const MqttOptions& options, std::string& why) {
  options_ = options;
  // Opened here so that a queue that cannot be opened is a start-up error.
  RecordQueue probe;
  if (!probe.Open(options.queue_path, options.max_records, why)) return false;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return true;
}

void MqttPublisher::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
}

namespace {

using Clock = std::chrono::steady_clock;

// What the callbacks (called from mosquitto_loop, on this thread) share
// with the loop.
struct Session {
  MqttPublisher* owner = nullptr;
  bool connected = false;
  bool connack_refused = false;
  int connack_code = 0;
  bool republish_discovery = false;
  std::map<int, std::uint64_t> in_flight;  // message id -> record sequence
  std::vector<std::uint64_t> acked;
};

void OnConnect(mosquitto*, void* user, int rc) {
  auto* s = static_cast<Session*>(user);
  if (rc == 0) {
    s->connected = true;
  } else {
    s->connack_refused = true;
    s->connack_code = rc;
  }
}
void OnDisconnect(mosquitto*, void* user, int) { static_cast<Session*>(user)->connected = false; }
void OnPublish(mosquitto*, void* user, int mid) {
  auto* s = static_cast<Session*>(user);
  const auto it = s->in_flight.find(mid);
  if (it == s->in_flight.end()) return;
  s->acked.push_back(it->second);
  s->in_flight.erase(it);
}
void OnMessage(mosquitto*, void* user, const mosquitto_message* m) {
  // Home Assistant announces itself (after its own restart): configure again.
  const std::string payload(static_cast<const char*>(m->payload),
                            static_cast<std::size_t>(m->payloadlen > 0 ? m->payloadlen : 0));
  if (payload == "online") static_cast<Session*>(user)->republish_discovery = true;
}

// One log line per change of state. While the broker stays out of reach,
// each distinct reason is said once: a handshake that fails sometimes in
// connect() and sometimes in the loop, or a refusal that alternates with a
// dropped socket, would otherwise print a line per retry.
class StateLog {
 public:
  void Say(const std::string& state) {
    if (state == last_) return;
    last_ = state;
    failures_said_.clear();
    Print(state);
  }
  void Failed(const std::string& reason) {
    last_.clear();
    if (failures_said_.count(reason) != 0) return;
    failures_said_.insert(reason);
    Print(reason);
  }

 private:
  static void Print(const std::string& line) { std::cerr << "meter-linux: MQTT: " << line << "\n"; }
  std::string last_;
  std::set<std::string> failures_said_;
};

}  // namespace

void MqttPublisher::Run() {
  mosquitto_lib_init();
  Session session;
  session.owner = this;
  const MqttNaming& naming = options_.naming;
  const std::string client_id = options_.client_id.empty() ? "meter-core-" + naming.serial : options_.client_id;
  mosquitto* mosq = mosquitto_new(client_id.c_str(), true, &session);
  StateLog log;
  if (mosq == nullptr) {
    log.Say("cannot create a client");
    return;
  }
  mosquitto_connect_callback_set(mosq, OnConnect);
  mosquitto_disconnect_callback_set(mosq, OnDisconnect);
  mosquitto_publish_callback_set(mosq, OnPublish);
  mosquitto_message_callback_set(mosq, OnMessage);
  mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  if (!options_.username.empty()) mosquitto_username_pw_set(mosq, options_.username.c_str(), options_.password.c_str());
  if (options_.tls) {
    // Verification on, host name included; TLS 1.2 or newer (libmosquitto's
    // default with no version given refuses SSLv3, TLS 1.0 and 1.1).
    const int rc = mosquitto_tls_set(mosq, options_.ca_file.empty() ? nullptr : options_.ca_file.c_str(), nullptr,
                                     options_.cert_file.empty() ? nullptr : options_.cert_file.c_str(),
                                     options_.key_file.empty() ? nullptr : options_.key_file.c_str(), nullptr);
    if (options_.ca_file.empty()) mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
    mosquitto_tls_opts_set(mosq, 1 /* SSL_VERIFY_PEER */, nullptr, nullptr);
    mosquitto_tls_insecure_set(mosq, false);
    if (rc != MOSQ_ERR_SUCCESS) log.Say(std::string("TLS set-up failed: ") + mosquitto_strerror(rc));
  }
  if (options_.telemetry_topic.empty()) {
    mosquitto_will_set(mosq, naming.StatusTopic().c_str(), 7, "offline", 1, options_.retain);
  } else {
    static constexpr char kOffline[] = "{\"message\":\"status\",\"status\":\"offline\"}";
    mosquitto_will_set(mosq, options_.telemetry_topic.c_str(), sizeof kOffline - 1, kOffline, 1, false);
  }

  RecordQueue queue;
  std::string why;
  if (!queue.Open(options_.queue_path, options_.max_records, why)) {
    log.Say("record queue: " + why);
  }
  IntervalRecorder recorder(options_.record_period_s);
  std::mt19937 rng(std::random_device{}());
  int failures = 0;
  bool connecting = false;
  Clock::time_point next_attempt = Clock::now();
  Clock::time_point connect_started{};
  Clock::time_point next_state = Clock::now();
  std::uint64_t seen_version = 0;
  std::uint64_t last_publication = 0;
  std::uint64_t last_sent_seq = 0;
  PartialResetDetector partial_resets;
  std::vector<std::string> pending_events;
  MeterSnapshot snapshot;
  bool discovery_due = true;

  const auto back_off = [&](const std::string& reason) {
    log.Failed(reason);
    stats_.connected.store(false);
    connecting = false;
    session.connected = false;
    mosquitto_disconnect(mosq);
    // 1 s, 2 s, 4 s ... 60 s, each scaled by a random 0.5..1.0 so that many
    // meters behind one broker do not reconnect in step.
    const double base = std::min(60.0, static_cast<double>(1u << std::min(failures, 6)));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    ++failures;
    next_attempt =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(base * jitter(rng)));
  };
  // Every message goes to its topic, or, for a hub with one telemetry
  // topic, there with a "message" field naming its kind.
  const auto publish = [&](const std::string& topic, const std::string& payload, int qos, bool retain, int* mid) {
    if (options_.telemetry_topic.empty()) {
      return mosquitto_publish(mosq, mid, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos, retain);
    }
    const std::string kind = topic.substr(topic.rfind('/') + 1);
    const std::string marked = payload.empty() || payload[0] != '{'
                                   ? "{\"message\":\"" + kind + "\",\"" + kind + "\":\"" + payload + "\"}"
                                   : "{\"message\":\"" + kind + "\"," + payload.substr(1);
    const std::string& t = options_.telemetry_topic;
    return mosquitto_publish(mosq, mid, t.c_str(), static_cast<int>(marked.size()), marked.data(), qos, false);
  };

  log.Say("connecting to " + options_.host + ":" + std::to_string(options_.port));
  while (!stop_) {
    const Clock::time_point now = Clock::now();
    // Connection.
    if (!session.connected && !connecting && now >= next_attempt) {
      const int rc = mosquitto_connect(mosq, options_.host.c_str(), options_.port, options_.keepalive_s);
      if (rc == MOSQ_ERR_SUCCESS) {
        connecting = true;
        connect_started = now;
      } else {
        back_off(std::string("cannot connect to ") + options_.host + ":" + std::to_string(options_.port) + ": " +
                 (rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc)));
      }
    }
    if (connecting || session.connected) {
      const int rc = mosquitto_loop(mosq, 20, 1);
      if (session.connack_refused) {
        session.connack_refused = false;
        back_off(std::string("broker refused the connection: ") + mosquitto_connack_string(session.connack_code));
      } else if (rc != MOSQ_ERR_SUCCESS) {
        // A TLS handshake fails in mosquitto_connect() or here, by timing;
        // either way it is the same state, so it is worded the same.
        const std::string reason = rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc);
        back_off(!connecting
                     ? "connection lost: " + reason
                     : "cannot connect to " + options_.host + ":" + std::to_string(options_.port) + ": " + reason);
      } else if (connecting && session.connected) {
        connecting = false;
        failures = 0;
        stats_.connections.fetch_add(1);
        stats_.connected.store(true);
        log.Say("connected to " + options_.host + ":" + std::to_string(options_.port));
        publish(naming.StatusTopic(), "online", 1, options_.retain, nullptr);
        if (options_.discovery) mosquitto_subscribe(mosq, nullptr, (naming.discovery_prefix + "/status").c_str(), 1);
        discovery_due = true;
        session.in_flight.clear();
        last_sent_seq = 0;  // resend whatever the queue still holds, in order
        next_state = now;
      } else if (connecting && now - connect_started > std::chrono::seconds(10)) {
        back_off("no answer to CONNECT within 10 s");
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const std::uint64_t seq : session.acked) {
      queue.Remove(seq);
      stats_.records_delivered.fetch_add(1);
    }
    session.acked.clear();

    // New windows: interval records (kept whether connected or not).
    const std::uint64_t version = channel_.version();
    if (version != seen_version) {
      seen_version = version;
      snapshot = channel_.Read();
      if (snapshot.has_window && snapshot.registers_ready && snapshot.publication != last_publication) {
        last_publication = snapshot.publication;
        Json record;
        if (recorder.Add(snapshot, record)) {
          record["serial"] = naming.serial;
          if (queue.Append(record.dump(), why) != 0) {
            stats_.records_queued.fetch_add(1);
          } else {
            log.Say("record queue: " + why);
          }
        }
      }
      // A partial reset is an event of its own, not a total going backwards;
      // one that happens while the broker is away waits for it (a few at most).
      Json event;
      if (partial_resets.Feed(snapshot, event) && pending_events.size() < 64) pending_events.push_back(event.dump());
    }
    if (session.connected) {
      for (const std::string& event : pending_events) publish(naming.EventTopic(), event, 1, false, nullptr);
      pending_events.clear();
    }
    if (!session.connected) continue;

    if (options_.discovery && (discovery_due || session.republish_discovery)) {
      discovery_due = session.republish_discovery = false;
      for (const Retained& r : DiscoveryConfigs(naming)) publish(r.topic, r.payload, 1, options_.retain, nullptr);
    }
    // State and registers at a fixed cadence, changed or not (consumers
    // detect staleness by time). Nothing before the registers are restored.
    if (now >= next_state && snapshot.registers_ready) {
      next_state += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.state_period_s));
      if (next_state < now) next_state = now;
      if (snapshot.has_window)
        publish(naming.StateTopic(), StateJson(snapshot).dump(), options_.state_qos, false, nullptr);
      publish(naming.EnergyTopic(), EnergyJson(snapshot).dump(), options_.state_qos, false, nullptr);
      stats_.state_messages.fetch_add(1);
    }
    // Records: a window of 16 in flight, in order.
    if (session.in_flight.size() < 16) {
      for (const auto& r : queue.Next(last_sent_seq, static_cast<int>(16 - session.in_flight.size()))) {
        int mid = 0;
        if (publish(naming.RecordTopic(), r.payload, options_.record_qos, false, &mid) != MOSQ_ERR_SUCCESS) break;
        last_sent_seq = r.seq;
        if (options_.record_qos == 0) {
          session.acked.push_back(r.seq);
        } else {
          session.in_flight[mid] = r.seq;
        }
      }
    }
  }
  if (session.connected) {
    // A clean goodbye: the retained status says so (the will covers the rest).
    publish(naming.StatusTopic(), "offline", 1, options_.retain, nullptr);
    for (int k = 0; k < 10; ++k) mosquitto_loop(mosq, 20, 1);
    mosquitto_disconnect(mosq);
  }
  mosquitto_destroy(mosq);
  mosquitto_lib_cleanup();
}

}  // namespace meter::interfaces
