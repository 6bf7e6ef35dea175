//! The media library over HTTP on a real `postiz-server` (embedded store): uploads checked by
//! magic bytes and size, served back from signed public links, the library (pages, search,
//! alt text, thumbnails, soft delete), organization isolation, and the presigned browser
//! upload flow.

use postiz_storage::aws::S3Blobs;
use postiz_storage::Blobs;
use postiz_tests::Running;
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Org {
    http: Client,
    base: String,
    token: String,
}

impl Org {
    async fn register(base: &str) -> Self {
        let http = Client::new();
        let (_, token) = crate::util::register(&http, base).await;
        Self {
            http,
            base: base.to_string(),
            token,
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("auth", &self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        answer(r.send().await.unwrap()).await
    }

    async fn upload(&self, path: &str, parts: &[Part<'_>]) -> (u16, Value) {
        let (content_type, body) = form(parts);
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("auth", &self.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        answer(r).await
    }

    /// Uploads `bytes` as the field `file` named `name` to `/media/upload-server`.
    async fn upload_file(&self, name: &str, bytes: &[u8]) -> (u16, Value) {
        self.upload("/media/upload-server", &[Part::file("file", name, bytes)])
            .await
    }

    async fn library(&self, query: &str) -> Value {
        let (status, body) = self
            .send(Method::GET, &format!("/media{query}"), None)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

async fn answer(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// One part of a multipart form.
struct Part<'a> {
    name: &'a str,
    file_name: Option<&'a str>,
    data: &'a [u8],
}

impl<'a> Part<'a> {
    fn file(name: &'a str, file_name: &'a str, data: &'a [u8]) -> Self {
        Self {
            name,
            file_name: Some(file_name),
            data,
        }
    }

    fn text(name: &'a str, value: &'a str) -> Self {
        Self {
            name,
            file_name: None,
            data: value.as_bytes(),
        }
    }
}

/// A `multipart/form-data` body (reqwest here is built without its multipart feature).
fn form(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "postiz-media-test-boundary-4f1d";
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match p.file_name {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                    p.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", p.name).as_bytes(),
            ),
        }
        body.extend_from_slice(p.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
}

/// A valid 2×1 RGB PNG (stored, uncompressed zlib) whose pixels depend on `seed`.
pub(crate) fn png(seed: u8) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&2u32.to_be_bytes());
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let raw = [0, seed, 0x80, 0x40, 0xFF, seed, 0x10];
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend_from_slice(&(raw.len() as u16).to_le_bytes());
    z.extend_from_slice(&(!(raw.len() as u16)).to_le_bytes());
    z.extend_from_slice(&raw);
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// The start of an MP4 file: an `ftyp` box (isom) and a small `mdat`.
pub(crate) fn mp4() -> Vec<u8> {
    let mut v = 0x20u32.to_be_bytes().to_vec();
    v.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2avc1mp41");
    v.extend_from_slice(&16u32.to_be_bytes());
    v.extend_from_slice(b"mdat01234567");
    v
}

/// A server on the embedded store whatever `POSTIZ_TEST_STORAGE` says: these tests look at
/// the stored files and the signed local links (`media_on_the_aws_adapters` covers S3).
async fn server(data: &Path) -> Running {
    Running::server(&[
        ("DATA_DIR", data.display().to_string()),
        ("STORAGE", "embedded".to_string()),
    ])
    .ready(Duration::from_secs(30))
    .await
}

fn blob_file(data: &Path, key: &str) -> PathBuf {
    data.join("blobs").join("data").join(key)
}

fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_uploads_are_checked_and_served() {
    let data = tempfile::tempdir().unwrap();
    let srv = server(data.path()).await;
    let a = Org::register(&srv.base).await;

    // A real PNG: 201, a row with a random name and a link ending in .png that serves it back.
    let image = png(1);
    let (status, row) = a.upload_file("holiday photo.png", &image).await;
    assert_eq!(status, 201, "{row}");
    let path = row["path"].as_str().unwrap().to_string();
    assert!(path.split('?').next().unwrap().ends_with(".png"), "{path}");
    assert!(
        path.starts_with(&format!("{}/uploads/", srv.base)),
        "{path}"
    );
    assert_eq!(row["originalName"], "holiday photo.png");
    assert_eq!(row["type"], "image");
    assert_eq!(row["fileSize"], image.len());
    assert!(row["name"].as_str().unwrap().ends_with(".png"));
    assert!(row["alt"].is_null() && row["thumbnail"].is_null(), "{row}");
    let r = a.http.get(&path).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), image.as_slice());

    // A tampered or missing signature is refused; so is a key next to a real one.
    let (link, sig) = path.split_once("?sig=").unwrap();
    let mut forged = sig.to_string();
    let last = if forged.ends_with('0') { "1" } else { "0" };
    forged.replace_range(forged.len() - 1.., last);
    for url in [
        format!("{link}?sig={forged}"),
        link.to_string(),
        format!(
            "{}/uploads/2020/01/01/00000000000000000000000000000000.png?sig={sig}",
            srv.base
        ),
    ] {
        let r = a.http.get(&url).send().await.unwrap();
        assert!(
            r.status() == 403 || r.status() == 404,
            "{url}: {}",
            r.status()
        );
    }

    // Text named .png: refused by its bytes.
    let (status, body) = a
        .upload_file("x.png", b"just some text, not an image")
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body,
        json!({"message": "Unsupported file type.", "error": "Bad Request", "statusCode": 400})
    );

    // An MP4 header is a video, whatever its name.
    let (status, row) = a.upload_file("clip.bin", &mp4()).await;
    assert_eq!(status, 201, "{row}");
    assert_eq!(row["type"], "video");
    let mp4_path = row["path"].as_str().unwrap();
    assert!(mp4_path.split('?').next().unwrap().ends_with(".mp4"));
    let r = a.http.get(mp4_path).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "video/mp4");

    // An image just over 10 MiB: the size message.
    let mut big = png(2);
    big.resize(10 * 1024 * 1024 + 1, 0);
    let (status, body) = a.upload_file("big.png", &big).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        message(&body),
        "File size exceeds the maximum allowed size of 10485760 bytes."
    );
    // Exactly 10 MiB is accepted.
    big.truncate(10 * 1024 * 1024);
    let (status, body) = a.upload_file("edge.png", &big).await;
    assert_eq!(status, 201, "{body}");

    // A file in another field; no file at all.
    let (status, body) = a
        .upload(
            "/media/upload-server",
            &[Part::file("image", "a.png", &image)],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(message(&body), "Unexpected field");
    let (status, body) = a
        .upload("/media/upload-server", &[Part::text("alt", "nothing")])
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body, json!({"msg": "No file provided"}));

    // upload-simple: a row, or with preventSave only the path (and nothing in the library).
    let before = a.library("").await["results"].as_array().unwrap().len();
    let (status, body) = a
        .upload(
            "/media/upload-simple",
            &[
                Part::text("preventSave", "true"),
                Part::file("file", "p.png", &image),
            ],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    let r = a
        .http
        .get(body["path"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), image.as_slice());
    let (status, body) = a
        .upload(
            "/media/upload-simple?preventSave=true",
            &[Part::file("file", "q.png", &image)],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.get("id").is_none(), "{body}");
    assert_eq!(
        a.library("").await["results"].as_array().unwrap().len(),
        before
    );
    let (status, body) = a
        .upload(
            "/media/upload-simple",
            &[Part::file("file", "s.png", &image)],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["originalName"], "s.png");

    // Without a session: 401.
    let (ct, body) = form(&[Part::file("file", "a.png", &image)]);
    let r = a
        .http
        .post(format!("{}/media/upload-server", srv.base))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_library_pages_searches_describes_and_deletes() {
    let data = tempfile::tempdir().unwrap();
    let srv = server(data.path()).await;
    let a = Org::register(&srv.base).await;
    assert_eq!(a.library("").await, json!({"pages": 0, "results": []}));

    let mut ids = Vec::new();
    for i in 0..20u8 {
        let name = if i % 5 == 0 {
            format!("Sunset-{i}.png")
        } else {
            format!("pic-{i}.png")
        };
        let (status, row) = a.upload_file(&name, &png(i)).await;
        assert_eq!(status, 201, "{row}");
        ids.push(row["id"].as_str().unwrap().to_string());
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();

    let p1 = a.library("?page=1").await;
    assert_eq!(p1["pages"], 2);
    let got: Vec<&str> = p1["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        newest_first[..18]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    let first = &p1["results"][0];
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "alt",
            "id",
            "name",
            "originalName",
            "path",
            "thumbnail",
            "thumbnailTimestamp"
        ]
    );
    assert_eq!(a.library("").await, p1, "no page reads as page 1");
    let p2 = a.library("?page=2").await;
    assert_eq!(p2["pages"], 2);
    let got: Vec<&str> = p2["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [newest_first[18].as_str(), newest_first[19].as_str()]);
    assert_eq!(a.library("?page=3").await["results"], json!([]));
    let (status, _) = a.send(Method::GET, "/media?page=abc", None).await;
    assert_eq!(status, 400);

    // Search: case-insensitive substring of the original name, newest first.
    let found = a.library("?search=sUNSET").await;
    assert_eq!(found["pages"], 1);
    let names: Vec<&str> = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["originalName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Sunset-15.png",
            "Sunset-10.png",
            "Sunset-5.png",
            "Sunset-0.png"
        ]
    );
    assert_eq!(a.library("?search=nothing-like-this").await["pages"], 0);

    // Alt text and a thumbnail (one of our links, or https); a foreign http link is refused.
    let id = &ids[3];
    let own_link = p1["results"][5]["path"].as_str().unwrap().to_string();
    let (status, body) = a
        .send(
            Method::POST,
            "/media/information",
            Some(json!({"id": id, "alt": "A red square", "thumbnail": own_link, "thumbnailTimestamp": 1.5})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["alt"], "A red square");
    assert_eq!(body["thumbnail"], own_link.as_str());
    assert_eq!(body["thumbnailTimestamp"], 1.5);
    let listed = a.library("?search=pic-3.png").await;
    assert_eq!(listed["results"][0]["alt"], "A red square");
    let (status, body) = a
        .send(
            Method::POST,
            "/media/information",
            Some(json!({"id": id, "thumbnail": "https://cdn.example/t.jpg"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["alt"], "A red square", "an absent field is kept");
    for bad in [
        "http://evil.example/t.png",
        "javascript:alert(1)",
        &own_link.replace("?sig=", "?sig=0"),
    ] {
        let (status, body) = a
            .send(
                Method::POST,
                "/media/information",
                Some(json!({"id": id, "thumbnail": bad})),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, body) = a
        .send(
            Method::POST,
            "/media/information",
            Some(json!({"id": id, "alt": null, "thumbnail": null})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(
        body["alt"].is_null() && body["thumbnail"].is_null(),
        "{body}"
    );
    let (status, _) = a
        .send(
            Method::POST,
            "/media/information",
            Some(json!({"id": "no-such-media", "alt": "x"})),
        )
        .await;
    assert_eq!(status, 404);

    // Delete: the row comes back with deletedAt; it leaves the listing and the count.
    let gone = &ids[19];
    let (status, row) = a
        .send(Method::DELETE, &format!("/media/{gone}"), None)
        .await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["id"], gone.as_str());
    assert!(row["deletedAt"].is_string(), "{row}");
    let p1 = a.library("").await;
    assert_eq!(p1["pages"], 2);
    assert!(p1["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["id"] != gone.as_str()));
    assert_eq!(p1["results"][0]["id"], ids[18].as_str());
    assert_eq!(
        a.library("?page=2").await["results"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (status, _) = a
        .send(Method::DELETE, &format!("/media/{gone}"), None)
        .await;
    assert_eq!(status, 404, "deleted once only");
    let (status, _) = a
        .send(
            Method::POST,
            "/media/information",
            Some(json!({"id": gone, "alt": "x"})),
        )
        .await;
    assert_eq!(status, 404, "a deleted media cannot be described");
    // Two more deletions: 17 left, one page.
    for id in &ids[..2] {
        let (status, _) = a.send(Method::DELETE, &format!("/media/{id}"), None).await;
        assert_eq!(status, 200);
    }
    let all = a.library("").await;
    assert_eq!(all["pages"], 1);
    assert_eq!(all["results"].as_array().unwrap().len(), 17);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_of_one_organization_is_invisible_to_another() {
    let data = tempfile::tempdir().unwrap();
    let srv = server(data.path()).await;
    let a = Org::register(&srv.base).await;
    let b = Org::register(&srv.base).await;
    let (status, row) = a.upload_file("secret.png", &png(9)).await;
    assert_eq!(status, 201, "{row}");
    let id = row["id"].as_str().unwrap();

    assert_eq!(b.library("").await, json!({"pages": 0, "results": []}));
    assert_eq!(b.library("?search=secret").await["results"], json!([]));
    let (status, _) = b.send(Method::DELETE, &format!("/media/{id}"), None).await;
    assert_eq!(status, 404);
    let (status, _) = b
        .send(
            Method::POST,
            "/media/information",
            Some(json!({"id": id, "alt": "mine now"})),
        )
        .await;
    assert_eq!(status, 404);

    // A's upload key cannot be completed by B (and A's object survives the attempt).
    let (status, ticket) = a
        .send(
            Method::POST,
            "/media/create-upload",
            Some(json!({"name": "a.png", "contentType": "image/png", "size": 100})),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");
    let key = ticket["key"].as_str().unwrap();
    let r = a
        .http
        .put(ticket["url"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(png(3))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let (status, _) = b
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": key})),
        )
        .await;
    assert_eq!(status, 404);
    assert!(blob_file(data.path(), key).exists());

    // A still sees and owns everything.
    let lib = a.library("").await;
    assert_eq!(lib["results"][0]["id"], id);
    assert!(lib["results"][0]["alt"].is_null());
    let (status, _) = a
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": key})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = a.send(Method::DELETE, &format!("/media/{id}"), None).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_presigned_uploads_are_checked_on_completion() {
    let data = tempfile::tempdir().unwrap();
    let srv = server(data.path()).await;
    let a = Org::register(&srv.base).await;
    let begin = |name: &'static str, content_type: Option<&'static str>, size: u64| {
        let mut body = json!({"name": name, "size": size});
        if let Some(ct) = content_type {
            body["contentType"] = json!(ct);
        }
        a.send(Method::POST, "/media/create-upload", Some(body))
    };

    // Begin → PUT → complete → listed, served, and completed once only.
    let image = png(7);
    let (status, ticket) = begin("big photo.png", Some("image/png"), image.len() as u64).await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["contentType"], "image/png");
    let key = ticket["key"].as_str().unwrap();
    assert!(key.ends_with(".png"), "{key}");
    let r = a
        .http
        .put(ticket["url"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(image.clone())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "PUT: {}", r.status());
    let (status, row) = a
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": key})),
        )
        .await;
    assert_eq!(status, 201, "{row}");
    assert_eq!(row["id"], ticket["uploadId"]);
    assert_eq!(row["originalName"], "big photo.png");
    assert_eq!(row["fileSize"], image.len());
    let lib = a.library("").await;
    assert_eq!(lib["results"][0]["id"], row["id"]);
    let got = a
        .http
        .get(row["path"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().as_ref(), image.as_slice());
    let (status, _) = a
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": key})),
        )
        .await;
    assert_eq!(status, 404, "completed once only");

    // A video declared by its name only.
    let (status, ticket) = begin("clip.mp4", None, mp4().len() as u64).await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["contentType"], "video/mp4");

    // Text uploaded where a PNG was declared: 400, the object deleted, the key spent.
    let (status, ticket) = begin("fake.png", Some("image/png"), 20).await;
    assert_eq!(status, 201, "{ticket}");
    let key = ticket["key"].as_str().unwrap();
    let r = a
        .http
        .put(ticket["url"].as_str().unwrap())
        .header("content-type", "image/png")
        .body("not an image at all")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert!(blob_file(data.path(), key).exists());
    let (status, body) = a
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": key})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(message(&body), "Unsupported file type.");
    assert!(
        !blob_file(data.path(), key).exists(),
        "the refused object is deleted"
    );
    let (status, _) = a
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": key})),
        )
        .await;
    assert_eq!(status, 404);

    // A PNG sent with another Content-Type than the ticket's: refused and deleted.
    let (_, ticket) = begin("x.png", Some("image/png"), 100).await;
    let key = ticket["key"].as_str().unwrap();
    a.http
        .put(ticket["url"].as_str().unwrap())
        .header("content-type", "text/html")
        .body(png(1))
        .send()
        .await
        .unwrap();
    let (status, body) = a
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": key})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(!blob_file(data.path(), key).exists());

    // Keys nobody began, or not uploaded yet.
    for key in [
        "2026/01/01/0123456789abcdef0123456789abcdef.png",
        "../../etc/passwd",
    ] {
        let (status, _) = a
            .send(
                Method::POST,
                "/media/complete-upload",
                Some(json!({"key": key})),
            )
            .await;
        assert_eq!(status, 404, "{key}");
    }
    let (_, ticket) = begin("later.png", Some("image/png"), 100).await;
    let (status, body) = a
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": ticket["key"]})),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // Refused at the start: unknown type, too big for its type, no size.
    let (status, body) = begin("notes.txt", Some("text/plain"), 10).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(message(&body), "Unsupported file type.");
    let (status, body) = begin("huge.png", Some("image/png"), 10 * 1024 * 1024 + 1).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        message(&body),
        "File size exceeds the maximum allowed size of 10485760 bytes."
    );
    let (status, _) = begin("huge.mp4", None, 1024 * 1024 * 1024 + 1).await;
    assert_eq!(status, 400);
    let (status, _) = begin("empty.png", None, 0).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_on_the_aws_adapters() {
    if !postiz_tests::aws_available() {
        return;
    }
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut envs = postiz_tests::provision_aws("media");
    let bucket = envs
        .iter()
        .find(|(k, _)| *k == "BUCKET_NAME")
        .unwrap()
        .1
        .clone();
    let public = format!("{}/{bucket}", endpoint.trim_end_matches('/'));
    envs.push(("MEDIA_PUBLIC_URL", public.clone()));
    envs.push(("DATA_DIR", data.path().display().to_string()));
    let srv = Running::server(&envs).ready(Duration::from_secs(60)).await;
    let a = Org::register(&srv.base).await;
    let b = Org::register(&srv.base).await;

    // Multipart upload: stored in S3, linked under MEDIA_PUBLIC_URL.
    let image = png(4);
    let (status, row) = a.upload_file("s3.png", &image).await;
    assert_eq!(status, 201, "{row}");
    let path = row["path"].as_str().unwrap().to_string();
    assert!(
        path.starts_with(&format!("{public}/")) && path.ends_with(".png"),
        "{path}"
    );
    // (The bucket is private: read it through the S3 API, as a CDN in front of it would.)
    let s3 = S3Blobs::new(&postiz_tests::aws_config().await, &bucket, true);
    let key = path.strip_prefix(&format!("{public}/")).unwrap();
    let blob = s3.get(key).await.unwrap().expect("stored in the bucket");
    assert_eq!(blob.bytes.as_ref(), image.as_slice());
    assert_eq!(blob.content_type, "image/png");

    // Presigned S3 PUT, then completion.
    let (status, ticket) = a
        .send(
            Method::POST,
            "/media/create-upload",
            Some(json!({"name": "v.mp4", "contentType": "video/mp4", "size": mp4().len()})),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");
    let r = a
        .http
        .put(ticket["url"].as_str().unwrap())
        .header("content-type", "video/mp4")
        .body(mp4())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "S3 PUT: {}", r.status());
    let key = ticket["key"].as_str().unwrap();
    let (status, _) = b
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": key})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, video) = a
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": key})),
        )
        .await;
    assert_eq!(status, 201, "{video}");
    assert_eq!(video["type"], "video");

    // A refused object is deleted from the bucket.
    let (_, ticket) = a
        .send(
            Method::POST,
            "/media/create-upload",
            Some(json!({"name": "t.png", "contentType": "image/png", "size": 10})),
        )
        .await;
    let key = ticket["key"].as_str().unwrap();
    a.http
        .put(ticket["url"].as_str().unwrap())
        .header("content-type", "image/png")
        .body("plain text")
        .send()
        .await
        .unwrap();
    let (status, _) = a
        .send(
            Method::POST,
            "/media/complete-upload",
            Some(json!({"key": key})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        s3.get(key).await.unwrap().is_none(),
        "deleted from the bucket"
    );

    // The library on DynamoDB: newest first, paged, isolated, soft delete.
    let lib = a.library("").await;
    assert_eq!(lib["pages"], 1);
    let ids: Vec<&str> = lib["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [video["id"].as_str().unwrap(), row["id"].as_str().unwrap()]
    );
    assert_eq!(b.library("").await["pages"], 0);
    let (status, body) = a
        .send(
            Method::POST,
            "/media/information",
            Some(json!({"id": video["id"], "alt": "A clip", "thumbnail": path, "thumbnailTimestamp": 2})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(a.library("").await["results"][0]["alt"], "A clip");
    let (status, _) = b
        .send(
            Method::POST,
            "/media/information",
            Some(json!({"id": video["id"], "alt": "not yours"})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = a
        .send(
            Method::DELETE,
            &format!("/media/{}", row["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(a.library("").await["results"].as_array().unwrap().len(), 1);
}
