#pragma once
// The MQTT interface (Debian's libmosquitto): state at a fixed cadence, every
// register, availability with a last will, Home Assistant discovery, and
// interval records through the store-and-forward queue (QoS 1, deleted on
// PUBACK, resent in order after an outage). One thread of its own: a broker
// that is slow, silent or gone never reaches the metering loop. Connection
// problems are logged once per change of state, not once per retry.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "meter/interfaces/mqtt_payloads.h"
#include "meter/interfaces/snapshot.h"

namespace meter::interfaces {

struct MqttOptions {
  std::string host;
  int port = 8883;
  bool tls = true;
  std::string client_id;
  std::string username;
  std::string password;  ///< Read from --mqtt-password-file, never given on the command line.
  std::string ca_file, cert_file, key_file;
  int keepalive_s = 60;
  double state_period_s = 10.0;
  double record_period_s = 60.0;
  int state_qos = 0;   ///< State and energy messages.
  int record_qos = 1;  ///< Interval records (1: deleted from the queue on PUBACK).
  bool retain = true;  ///< Retained status and discovery (a cloud hub may forbid them).
  bool discovery = true;
  /// Cloud hubs that take one telemetry topic (Azure IoT Hub): every message
  /// goes there, marked by a "message" field (state, energy, record, status,
  /// event). Empty: the topics of `naming`.
  std::string telemetry_topic;
  std::string queue_path;  ///< SQLite file of the record queue.
  std::int64_t max_records = 7 * 1440;
  MqttNaming naming;
};

/// "mqtts://HOST[:PORT]" (TLS, default port 8883) or "mqtt://HOST[:PORT]"
/// (plaintext, default 1883). @returns false with `why`.
bool ParseMqttUrl(const std::string& url, MqttOptions& out, std::string& why);

/// Cloud presets, applied after the other options:
///  - "azure-iot-hub": user name HOST/DEVICE/?api-version=2021-04-12 (the
///    device id is the client id), a SAS token as the password or an X.509
///    client certificate, every message on devices/DEVICE/messages/events/,
///    nothing retained, no discovery, QoS at most 1;
///  - "aws-iot-core": an X.509 client certificate (required), SNI (libmosquitto
///    sends the host name), every topic with at most 7 slashes, QoS at most 1.
/// @returns false with `why` when the options do not fit the preset.
bool ApplyMqttPreset(const std::string& preset, MqttOptions& options, std::string& why);
/// Slashes in the longest topic the options publish to.
int MostSlashes(const MqttOptions& options);

struct MqttStats {
  std::atomic<std::uint64_t> state_messages{0};
  std::atomic<std::uint64_t> records_queued{0};
  std::atomic<std::uint64_t> records_delivered{0};
  std::atomic<std::uint64_t> connections{0};
  std::atomic<bool> connected{false};  ///< CONNACK accepted and not lost since.
};

class MqttPublisher {
 public:
  explicit MqttPublisher(const SnapshotChannel& channel) : channel_(channel) {}
  ~MqttPublisher() { Stop(); }
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  /// Opens the queue and starts the thread (which connects in the
  /// background). @returns false with `why` for a bad option or queue.
  bool Start(const MqttOptions& options, std::string& why);
  void Stop();
  const MqttStats& stats() const { return stats_; }

 private:
  void Run();

  const SnapshotChannel& channel_;
  MqttOptions options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  MqttStats stats_;
};

}  // namespace meter::interfaces
