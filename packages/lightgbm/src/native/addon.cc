// Node-API binding over LightGBM's C API. Kept deliberately thin: shape and value checks that can
// be written in TypeScript live in src/*.ts; this file owns handles, threads and LightGBM errors.
//
// - Dataset / Booster are ObjectWraps: free() releases the handle now, the GC finalizer releases it
//   otherwise. A booster holds strong references to its datasets (LightGBM reads them while it
//   trains), and a dataset in use by a live booster refuses to be freed.
// - Boosting rounds and predictions run on the libuv thread pool (AsyncWorker) so the event loop
//   stays responsive; a booster busy in a worker refuses to be freed.
// - LightGBM's log callback is thread-local, so every worker registers it before calling in. The
//   messages travel to JS through a ThreadSafeFunction.
#include <napi.h>
#include <LightGBM/c_api.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

// Live native handles, for tests that check the GC releases what free() was not called on.
std::atomic<int64_t> g_live_datasets{0};
std::atomic<int64_t> g_live_boosters{0};

// ---------- logging ----------

std::mutex g_log_mutex;
Napi::ThreadSafeFunction g_log_fn;
bool g_log_active = false;

void LogCallback(const char* msg) {
  if (msg == nullptr) return;
  // LightGBM sends a line in pieces (prefix, message, "\n"), possibly from several threads at once:
  // gather each thread's pieces and pass on whole lines.
  static thread_local std::string pending;
  pending += msg;
  if (pending.empty() || pending.back() != '\n') return;
  std::string text;
  text.swap(pending);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return;
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (!g_log_active) return;
  auto* payload = new std::string(std::move(text));
  napi_status status = g_log_fn.NonBlockingCall(payload, [](Napi::Env env, Napi::Function fn, std::string* data) {
    if (env != nullptr && fn != nullptr) fn.Call({Napi::String::New(env, *data)});
    delete data;
  });
  if (status != napi_ok) delete payload;
}

// LightGBM's log callback and log level are thread-local: OpenMP workers have neither, so whatever
// they log (a warning inside a parallel loop, e.g. negative categorical values while binning, even
// with verbose=-1) goes to stdout with printf. Register the callback on every worker of this
// thread's team (libgomp keeps them in a pool for later regions); the callback drops lines when no
// logger is set. Redone when LightGBM's num_threads grew the team; a first call that asks for more
// threads than there are cores may still print from the extra workers, once.
void RegisterLogOnThisThread() {
  LGBM_RegisterLogCallback(&LogCallback);
  static thread_local int registered_team = 0;
  int team = std::max(omp_get_max_threads(), omp_get_num_procs());
  if (team <= registered_team) return;
  registered_team = team;
#pragma omp parallel num_threads(team)
  { LGBM_RegisterLogCallback(&LogCallback); }
}

Napi::Value SetLogger(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (g_log_active) {
    g_log_fn.Release();
    g_log_active = false;
  }
  if (info.Length() > 0 && info[0].IsFunction()) {
    g_log_fn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "lightgbm-log", 0, 1);
    g_log_fn.Unref(env);  // logging must never keep the process alive
    g_log_active = true;
  }
  return env.Undefined();
}

// ---------- errors ----------

[[noreturn]] void ThrowLastError(Napi::Env env, const char* what) {
  std::string msg = std::string(what) + ": " + LGBM_GetLastError();
  throw Napi::Error::New(env, msg);
}

#define LGBM_CHECK(env, call, what) \
  do {                              \
    if ((call) != 0) ThrowLastError(env, what); \
  } while (0)

struct Matrix {
  const void* data = nullptr;
  int dtype = 0;
  size_t length = 0;
};

Matrix ReadMatrix(Napi::Env env, const Napi::Value& v) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "matrix must be a Float32Array or Float64Array");
  auto arr = v.As<Napi::TypedArray>();
  Matrix m;
  m.length = arr.ElementLength();
  auto* base = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  m.data = base;
  switch (arr.TypedArrayType()) {
    case napi_float32_array: m.dtype = C_API_DTYPE_FLOAT32; break;
    case napi_float64_array: m.dtype = C_API_DTYPE_FLOAT64; break;
    default: throw Napi::TypeError::New(env, "matrix must be a Float32Array or Float64Array");
  }
  return m;
}

std::string ReadString(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return std::string();
  return info[i].As<Napi::String>().Utf8Value();
}

// ---------- constructors, per environment ----------

// Each Node environment (the main thread and every worker thread) that loads the addon gets its own
// constructors: a static reference would point into whichever environment loaded it last, and be
// deleted after that environment was torn down ("free(): invalid pointer" at exit).
struct EnvData {
  Napi::FunctionReference dataset;
  Napi::FunctionReference booster;
};

EnvData& Data(Napi::Env env) { return *env.GetInstanceData<EnvData>(); }

// ---------- Dataset ----------

class Dataset : public Napi::ObjectWrap<Dataset> {
 public:
  DatasetHandle handle = nullptr;
  // Boosters that train or validate on this dataset. Shared so that a booster finalized after its
  // dataset (order is arbitrary at environment teardown) never writes to freed memory.
  std::shared_ptr<int> users = std::make_shared<int>(0);

  static void Define(Napi::Env env, Napi::Object exports) {
    Napi::Function fn = DefineClass(env, "Dataset", {
      InstanceMethod("setField", &Dataset::SetField),
      InstanceMethod("setFeatureNames", &Dataset::SetFeatureNames),
      InstanceMethod("numData", &Dataset::NumData),
      InstanceMethod("numFeature", &Dataset::NumFeature),
      InstanceMethod("free", &Dataset::Free),
      InstanceAccessor("freed", &Dataset::Freed, nullptr),
    });
    Data(env).dataset = Napi::Persistent(fn);
    exports.Set("Dataset", fn);
    exports.Set("datasetFromMat", Napi::Function::New(env, &Dataset::FromMat));
  }

  explicit Dataset(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Dataset>(info) {}
  ~Dataset() override { Release(); }

  void Release() {
    if (handle != nullptr) {
      LGBM_DatasetFree(handle);
      handle = nullptr;
      g_live_datasets -= 1;
    }
  }

  DatasetHandle Live(Napi::Env env) {
    if (handle == nullptr) throw Napi::Error::New(env, "dataset has been freed");
    return handle;
  }

  // datasetFromMat(data, nrow, ncol, rowMajor, params, reference?)
  static Napi::Value FromMat(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RegisterLogOnThisThread();
    Matrix m = ReadMatrix(env, info[0]);
    int32_t nrow = info[1].As<Napi::Number>().Int32Value();
    int32_t ncol = info[2].As<Napi::Number>().Int32Value();
    bool row_major = info[3].As<Napi::Boolean>().Value();
    std::string params = ReadString(info, 4);
    if (nrow <= 0 || ncol <= 0 || m.length != static_cast<size_t>(nrow) * static_cast<size_t>(ncol)) {
      throw Napi::RangeError::New(env, "matrix length does not equal nrow * ncol");
    }
    DatasetHandle reference = nullptr;
    if (info.Length() > 5 && info[5].IsObject()) {
      reference = Dataset::Unwrap(info[5].As<Napi::Object>())->Live(env);
    }
    DatasetHandle out = nullptr;
    LGBM_CHECK(env, LGBM_DatasetCreateFromMat(m.data, m.dtype, nrow, ncol, row_major ? 1 : 0, params.c_str(), reference, &out),
               "LGBM_DatasetCreateFromMat");
    Napi::Object obj = Data(env).dataset.New({});
    Dataset::Unwrap(obj)->handle = out;
    g_live_datasets += 1;
    return obj;
  }

  // setField(name, Float32Array | Float64Array | Int32Array)
  Napi::Value SetField(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RegisterLogOnThisThread();
    std::string name = info[0].As<Napi::String>().Utf8Value();
    if (!info[1].IsTypedArray()) throw Napi::TypeError::New(env, "field must be a typed array");
    auto arr = info[1].As<Napi::TypedArray>();
    int type;
    switch (arr.TypedArrayType()) {
      case napi_float32_array: type = C_API_DTYPE_FLOAT32; break;
      case napi_float64_array: type = C_API_DTYPE_FLOAT64; break;
      case napi_int32_array: type = C_API_DTYPE_INT32; break;
      default: throw Napi::TypeError::New(env, "field must be Float32Array, Float64Array or Int32Array");
    }
    auto* data = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    LGBM_CHECK(env, LGBM_DatasetSetField(Live(env), name.c_str(), data, static_cast<int>(arr.ElementLength()), type),
               "LGBM_DatasetSetField");
    return env.Undefined();
  }

  Napi::Value SetFeatureNames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto names = info[0].As<Napi::Array>();
    std::vector<std::string> storage(names.Length());
    std::vector<const char*> ptrs(names.Length());
    for (uint32_t i = 0; i < names.Length(); ++i) {
      storage[i] = names.Get(i).As<Napi::String>().Utf8Value();
      ptrs[i] = storage[i].c_str();
    }
    LGBM_CHECK(env, LGBM_DatasetSetFeatureNames(Live(env), ptrs.data(), static_cast<int>(ptrs.size())),
               "LGBM_DatasetSetFeatureNames");
    return env.Undefined();
  }

  Napi::Value NumData(const Napi::CallbackInfo& info) {
    int32_t n = 0;
    LGBM_CHECK(info.Env(), LGBM_DatasetGetNumData(Live(info.Env()), &n), "LGBM_DatasetGetNumData");
    return Napi::Number::New(info.Env(), n);
  }

  Napi::Value NumFeature(const Napi::CallbackInfo& info) {
    int32_t n = 0;
    LGBM_CHECK(info.Env(), LGBM_DatasetGetNumFeature(Live(info.Env()), &n), "LGBM_DatasetGetNumFeature");
    return Napi::Number::New(info.Env(), n);
  }

  Napi::Value Free(const Napi::CallbackInfo& info) {
    if (*users > 0) throw Napi::Error::New(info.Env(), "dataset is still used by a booster; free the booster first");
    Release();
    return info.Env().Undefined();
  }

  Napi::Value Freed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), handle == nullptr); }
};

// ---------- Booster ----------

class Booster : public Napi::ObjectWrap<Booster> {
 public:
  BoosterHandle handle = nullptr;
  int busy = 0;  // async workers currently using the handle
  // OpenMP threads for training, as LightGBM set them from num_threads when the booster was created.
  // omp_set_num_threads is per thread: LightGBM sets it on the creating (main) thread only, and the
  // pool thread that runs the rounds would otherwise use its own default (all cores).
  int threads = 0;
  std::vector<std::pair<std::shared_ptr<int>, Napi::ObjectReference>> datasets;

  static void Define(Napi::Env env, Napi::Object exports) {
    Napi::Function fn = DefineClass(env, "Booster", {
      InstanceMethod("addValidData", &Booster::AddValidData),
      InstanceMethod("update", &Booster::Update),
      InstanceMethod("rollback", &Booster::Rollback),
      InstanceMethod("getEval", &Booster::GetEval),
      InstanceMethod("evalNames", &Booster::EvalNames),
      InstanceMethod("featureNames", &Booster::FeatureNames),
      InstanceMethod("currentIteration", &Booster::CurrentIteration),
      InstanceMethod("numFeature", &Booster::NumFeature),
      InstanceMethod("numClasses", &Booster::NumClasses),
      InstanceMethod("saveModelToString", &Booster::SaveModelToString),
      InstanceMethod("predict", &Booster::Predict),
      InstanceMethod("free", &Booster::Free),
      InstanceAccessor("freed", &Booster::Freed, nullptr),
    });
    Data(env).booster = Napi::Persistent(fn);
    exports.Set("Booster", fn);
    exports.Set("boosterCreate", Napi::Function::New(env, &Booster::Create));
    exports.Set("boosterFromString", Napi::Function::New(env, &Booster::FromString));
  }

  explicit Booster(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Booster>(info) {}
  ~Booster() override { Release(); }

  void Release() {
    if (handle != nullptr) {
      LGBM_BoosterFree(handle);
      handle = nullptr;
      g_live_boosters -= 1;
    }
    for (auto& d : datasets) {
      *d.first -= 1;
      d.second.Reset();
    }
    datasets.clear();
  }

  BoosterHandle Live(Napi::Env env) {
    if (handle == nullptr) throw Napi::Error::New(env, "booster has been freed");
    return handle;
  }

  void Hold(Napi::Object dsObj) {
    Dataset* ds = Dataset::Unwrap(dsObj);
    *ds->users += 1;
    datasets.emplace_back(ds->users, Napi::Persistent(dsObj));
  }

  // boosterCreate(trainDataset, params)
  static Napi::Value Create(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RegisterLogOnThisThread();
    Napi::Object dsObj = info[0].As<Napi::Object>();
    DatasetHandle ds = Dataset::Unwrap(dsObj)->Live(env);
    std::string params = ReadString(info, 1);
    BoosterHandle out = nullptr;
    LGBM_CHECK(env, LGBM_BoosterCreate(ds, params.c_str(), &out), "LGBM_BoosterCreate");
    Napi::Object obj = Data(env).booster.New({});
    Booster* b = Booster::Unwrap(obj);
    b->handle = out;
    b->threads = omp_get_max_threads();  // what LGBM_BoosterCreate just set from num_threads
    g_live_boosters += 1;
    b->Hold(dsObj);
    return obj;
  }

  // boosterFromString(modelText) -> Booster
  static Napi::Value FromString(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RegisterLogOnThisThread();
    std::string text = info[0].As<Napi::String>().Utf8Value();
    int iterations = 0;
    BoosterHandle out = nullptr;
    LGBM_CHECK(env, LGBM_BoosterLoadModelFromString(text.c_str(), &iterations, &out), "LGBM_BoosterLoadModelFromString");
    Napi::Object obj = Data(env).booster.New({});
    Booster::Unwrap(obj)->handle = out;
    g_live_boosters += 1;
    return obj;
  }

  Napi::Value AddValidData(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RegisterLogOnThisThread();
    Napi::Object dsObj = info[0].As<Napi::Object>();
    DatasetHandle ds = Dataset::Unwrap(dsObj)->Live(env);
    LGBM_CHECK(env, LGBM_BoosterAddValidData(Live(env), ds), "LGBM_BoosterAddValidData");
    Hold(dsObj);
    return env.Undefined();
  }

  // Runs `rounds` boosting iterations off the main thread. Resolves to
  // { iterations: rounds actually run, finished: true if LightGBM could not split any more,
  //   threads: the OpenMP threads the rounds ran with }.
  class UpdateWorker : public Napi::AsyncWorker {
   public:
    UpdateWorker(Napi::Env env, Booster* b, Napi::Object self, int rounds)
        : Napi::AsyncWorker(env, "lightgbm-update"), deferred_(Napi::Promise::Deferred::New(env)),
          booster_(b), self_(Napi::Persistent(self)), rounds_(rounds) {
      booster_->busy += 1;
    }
    Napi::Promise Promise() { return deferred_.Promise(); }
    void Execute() override {
      if (booster_->threads > 0) omp_set_num_threads(booster_->threads);
      threads_ = omp_get_max_threads();
      RegisterLogOnThisThread();
      for (int i = 0; i < rounds_; ++i) {
        int is_finished = 0;
        if (LGBM_BoosterUpdateOneIter(booster_->handle, &is_finished) != 0) {
          SetError(std::string("LGBM_BoosterUpdateOneIter: ") + LGBM_GetLastError());
          return;
        }
        done_ += 1;
        if (is_finished) {
          finished_ = true;
          return;
        }
      }
    }
    void OnOK() override {
      booster_->busy -= 1;
      Napi::Object out = Napi::Object::New(Env());
      out.Set("iterations", done_);
      out.Set("finished", finished_);
      out.Set("threads", threads_);
      deferred_.Resolve(out);
    }
    void OnError(const Napi::Error& e) override {
      booster_->busy -= 1;
      deferred_.Reject(e.Value());
    }

   private:
    Napi::Promise::Deferred deferred_;
    Booster* booster_;
    Napi::ObjectReference self_;
    int rounds_;
    int done_ = 0;
    int threads_ = 0;
    bool finished_ = false;
  };

  Napi::Value Update(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Live(env);
    int rounds = info.Length() > 0 ? info[0].As<Napi::Number>().Int32Value() : 1;
    auto* w = new UpdateWorker(env, this, info.This().As<Napi::Object>(), rounds);
    Napi::Promise p = w->Promise();
    w->Queue();
    return p;
  }

  Napi::Value Rollback(const Napi::CallbackInfo& info) {
    LGBM_CHECK(info.Env(), LGBM_BoosterRollbackOneIter(Live(info.Env())), "LGBM_BoosterRollbackOneIter");
    return info.Env().Undefined();
  }

  // getEval(dataIdx): 0 = training data, 1.. = validation sets in the order added.
  Napi::Value GetEval(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int idx = info[0].As<Napi::Number>().Int32Value();
    int count = 0;
    LGBM_CHECK(env, LGBM_BoosterGetEvalCounts(Live(env), &count), "LGBM_BoosterGetEvalCounts");
    auto out = Napi::Float64Array::New(env, count);
    int len = 0;
    LGBM_CHECK(env, LGBM_BoosterGetEval(handle, idx, &len, out.Data()), "LGBM_BoosterGetEval");
    return out;
  }

  // LightGBM's "get names" calls need preallocated buffers: ask once for sizes, then fetch.
  using NamesFn = int (*)(BoosterHandle, const int, int*, const size_t, size_t*, char**);
  Napi::Value Names(Napi::Env env, NamesFn fn, int count, const char* what) {
    size_t buf_len = 256;
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::vector<std::vector<char>> storage(count, std::vector<char>(buf_len));
      std::vector<char*> ptrs(count);
      for (int i = 0; i < count; ++i) ptrs[i] = storage[i].data();
      int out_len = 0;
      size_t needed = 0;
      LGBM_CHECK(env, fn(handle, count, &out_len, buf_len, &needed, ptrs.data()), what);
      if (needed <= buf_len) {
        auto arr = Napi::Array::New(env, out_len);
        for (int i = 0; i < out_len; ++i) arr.Set(i, Napi::String::New(env, ptrs[i]));
        return arr;
      }
      buf_len = needed;
    }
    throw Napi::Error::New(env, std::string(what) + ": names did not fit");
  }

  Napi::Value EvalNames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int count = 0;
    LGBM_CHECK(env, LGBM_BoosterGetEvalCounts(Live(env), &count), "LGBM_BoosterGetEvalCounts");
    return Names(env, &LGBM_BoosterGetEvalNames, count, "LGBM_BoosterGetEvalNames");
  }

  Napi::Value FeatureNames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int count = 0;
    LGBM_CHECK(env, LGBM_BoosterGetNumFeature(Live(env), &count), "LGBM_BoosterGetNumFeature");
    return Names(env, &LGBM_BoosterGetFeatureNames, count, "LGBM_BoosterGetFeatureNames");
  }

  Napi::Value CurrentIteration(const Napi::CallbackInfo& info) {
    int n = 0;
    LGBM_CHECK(info.Env(), LGBM_BoosterGetCurrentIteration(Live(info.Env()), &n), "LGBM_BoosterGetCurrentIteration");
    return Napi::Number::New(info.Env(), n);
  }

  Napi::Value NumFeature(const Napi::CallbackInfo& info) {
    int n = 0;
    LGBM_CHECK(info.Env(), LGBM_BoosterGetNumFeature(Live(info.Env()), &n), "LGBM_BoosterGetNumFeature");
    return Napi::Number::New(info.Env(), n);
  }

  Napi::Value NumClasses(const Napi::CallbackInfo& info) {
    int n = 0;
    LGBM_CHECK(info.Env(), LGBM_BoosterGetNumClasses(Live(info.Env()), &n), "LGBM_BoosterGetNumClasses");
    return Napi::Number::New(info.Env(), n);
  }

  // saveModelToString(startIteration, numIteration, importanceType)
  Napi::Value SaveModelToString(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int start = info[0].As<Napi::Number>().Int32Value();
    int num = info[1].As<Napi::Number>().Int32Value();
    int importance = info[2].As<Napi::Number>().Int32Value();
    int64_t len = 0;
    std::vector<char> buf(1 << 20);
    LGBM_CHECK(env, LGBM_BoosterSaveModelToString(Live(env), start, num, importance, buf.size(), &len, buf.data()),
               "LGBM_BoosterSaveModelToString");
    if (len > static_cast<int64_t>(buf.size())) {
      buf.resize(len);
      LGBM_CHECK(env, LGBM_BoosterSaveModelToString(handle, start, num, importance, buf.size(), &len, buf.data()),
                 "LGBM_BoosterSaveModelToString");
    }
    return Napi::String::New(env, buf.data(), len > 0 ? len - 1 : 0);  // len counts the trailing NUL
  }

  class PredictWorker : public Napi::AsyncWorker {
   public:
    PredictWorker(Napi::Env env, Booster* b, Napi::Object self, Napi::Value input, Matrix m, int32_t nrow,
                  int32_t ncol, bool row_major, int predict_type, int start, int num, std::string params,
                  Napi::Float64Array out)
        : Napi::AsyncWorker(env, "lightgbm-predict"), deferred_(Napi::Promise::Deferred::New(env)), booster_(b),
          self_(Napi::Persistent(self)), input_(Napi::Persistent(input.As<Napi::Object>())),
          output_(Napi::Persistent(static_cast<Napi::Object>(out))), m_(m), nrow_(nrow), ncol_(ncol),
          row_major_(row_major), predict_type_(predict_type), start_(start), num_(num), params_(std::move(params)),
          out_data_(out.Data()), out_cap_(out.ElementLength()) {
      booster_->busy += 1;
    }
    Napi::Promise Promise() { return deferred_.Promise(); }
    void Execute() override {
      RegisterLogOnThisThread();
      int64_t len = 0;
      if (LGBM_BoosterPredictForMat(booster_->handle, m_.data, m_.dtype, nrow_, ncol_, row_major_ ? 1 : 0,
                                    predict_type_, start_, num_, params_.c_str(), &len, out_data_) != 0) {
        SetError(std::string("LGBM_BoosterPredictForMat: ") + LGBM_GetLastError());
        return;
      }
      if (static_cast<size_t>(len) != out_cap_) SetError("LGBM_BoosterPredictForMat: unexpected output length");
    }
    void OnOK() override {
      booster_->busy -= 1;
      deferred_.Resolve(output_.Value());
    }
    void OnError(const Napi::Error& e) override {
      booster_->busy -= 1;
      deferred_.Reject(e.Value());
    }

   private:
    Napi::Promise::Deferred deferred_;
    Booster* booster_;
    Napi::ObjectReference self_, input_, output_;
    Matrix m_;
    int32_t nrow_, ncol_;
    bool row_major_;
    int predict_type_, start_, num_;
    std::string params_;
    double* out_data_;
    size_t out_cap_;
  };

  // predict(data, nrow, ncol, rowMajor, predictType, startIteration, numIteration, params) -> Promise<Float64Array>
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Live(env);
    Matrix m = ReadMatrix(env, info[0]);
    int32_t nrow = info[1].As<Napi::Number>().Int32Value();
    int32_t ncol = info[2].As<Napi::Number>().Int32Value();
    bool row_major = info[3].As<Napi::Boolean>().Value();
    int predict_type = info[4].As<Napi::Number>().Int32Value();
    int start = info[5].As<Napi::Number>().Int32Value();
    int num = info[6].As<Napi::Number>().Int32Value();
    std::string params = ReadString(info, 7);
    if (nrow < 0 || ncol <= 0 || m.length != static_cast<size_t>(nrow) * static_cast<size_t>(ncol)) {
      throw Napi::RangeError::New(env, "matrix length does not equal nrow * ncol");
    }
    int64_t out_len = 0;
    LGBM_CHECK(env, LGBM_BoosterCalcNumPredict(handle, nrow, predict_type, start, num, &out_len),
               "LGBM_BoosterCalcNumPredict");
    auto out = Napi::Float64Array::New(env, static_cast<size_t>(out_len));
    if (nrow == 0) {
      auto d = Napi::Promise::Deferred::New(env);
      d.Resolve(out);
      return d.Promise();
    }
    auto* w = new PredictWorker(env, this, info.This().As<Napi::Object>(), info[0], m, nrow, ncol, row_major,
                                predict_type, start, num, params, out);
    Napi::Promise p = w->Promise();
    w->Queue();
    return p;
  }

  Napi::Value Free(const Napi::CallbackInfo& info) {
    if (busy > 0) throw Napi::Error::New(info.Env(), "booster is busy (training or predicting); await it before free()");
    Release();
    return info.Env().Undefined();
  }

  Napi::Value Freed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), handle == nullptr); }
};

// dumpParamAliases() -> JSON text mapping each parameter to its aliases
Napi::Value DumpParamAliases(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t len = 0;
  std::vector<char> buf(1 << 16);
  LGBM_CHECK(env, LGBM_DumpParamAliases(buf.size(), &len, buf.data()), "LGBM_DumpParamAliases");
  if (len > static_cast<int64_t>(buf.size())) {
    buf.resize(len);
    LGBM_CHECK(env, LGBM_DumpParamAliases(buf.size(), &len, buf.data()), "LGBM_DumpParamAliases");
  }
  return Napi::String::New(env, buf.data(), len > 0 ? len - 1 : 0);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<EnvData>(new EnvData());  // deleted by Node when this environment ends
  RegisterLogOnThisThread();
  Dataset::Define(env, exports);
  Booster::Define(env, exports);
  exports.Set("setLogger", Napi::Function::New(env, &SetLogger));
  exports.Set("dumpParamAliases", Napi::Function::New(env, &DumpParamAliases));
  exports.Set("liveHandles", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("datasets", static_cast<double>(g_live_datasets.load()));
    o.Set("boosters", static_cast<double>(g_live_boosters.load()));
    return o;
  }));
  return exports;
}

}  // namespace

NODE_API_MODULE(lightgbm, Init)
