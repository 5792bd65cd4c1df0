//! Image calls: import a root filesystem, build from a context, read labels.

use std::collections::HashMap;
use std::path::Path;

use bollard::body_try_stream;
use bollard::query_parameters::{BuildImageOptionsBuilder, CreateImageOptionsBuilder, ListImagesOptionsBuilder};
use bytes::Bytes;
use futures_util::{stream, StreamExt};
use tokio::io::AsyncReadExt;

use super::{filters, Engine};
use crate::error::{Error, Result};

/// A local image of the offline kit.
#[derive(Clone, Debug, serde::Serialize)]
pub struct KitImage {
    pub tags: Vec<String>,
    pub id: String,
    pub size: i64,
    pub created: i64,
    pub labels: HashMap<String, String>,
}

/// A file as a stream of 1 MiB chunks, for request bodies.
async fn file_chunks(path: &Path) -> Result<impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static> {
    let file = tokio::fs::File::open(path).await.map_err(|e| Error::msg(format!("cannot read {}: {e}", path.display())))?;
    Ok(stream::unfold(file, |mut f| async move {
        let mut buf = vec![0u8; 1 << 20];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    }))
}

impl Engine {
    /// `docker import`: a root filesystem tarball becomes image `reference`,
    /// with Dockerfile-style `changes` (ENV, LABEL, CMD …).
    pub async fn import_rootfs(&self, tarball: &Path, reference: &str, changes: Vec<String>) -> Result<()> {
        let (repo, tag) = reference.rsplit_once(':').unwrap_or((reference, "latest"));
        let opts = CreateImageOptionsBuilder::default().from_src("-").repo(repo).tag(tag).changes(changes).build();
        let mut s = self.docker.create_image(Some(opts), Some(body_try_stream(file_chunks(tarball).await?)), None);
        while let Some(item) = s.next().await {
            item.map_err(self.err(&format!("cannot import {reference}")))?;
        }
        Ok(())
    }

    /// `docker build` from a context tarball; `log` gets the build's output lines.
    pub async fn build_image(&self, context: &Path, reference: &str, log: &dyn Fn(&str)) -> Result<()> {
        let opts = BuildImageOptionsBuilder::default().dockerfile("Dockerfile").t(reference).rm(true).forcerm(true).build();
        let mut s = self.docker.build_image(opts, None, Some(body_try_stream(file_chunks(context).await?)));
        while let Some(item) = s.next().await {
            let info = item.map_err(self.err(&format!("cannot build {reference}")))?;
            if let Some(line) = info.stream {
                let line = line.trim_end();
                if !line.is_empty() {
                    log(line);
                }
            }
            if let Some(detail) = info.error_detail.and_then(|d| d.message) {
                return Err(Error::msg(format!("building {reference} failed: {detail}")));
            }
        }
        Ok(())
    }

    /// An image's labels, if the image exists.
    pub async fn image_labels(&self, reference: &str) -> Result<Option<HashMap<String, String>>> {
        match self.docker.inspect_image(reference).await {
            Ok(img) => Ok(Some(img.config.and_then(|c| c.labels).unwrap_or_default())),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
            Err(e) => Err(self.err(&format!("cannot inspect image {reference}"))(e)),
        }
    }

    /// Remove the kit's images that a newer build left without a tag (the
    /// ones `label` marks; images in use by a container stay). How many went.
    pub async fn remove_replaced(&self, label: &str) -> Result<usize> {
        let opts = ListImagesOptionsBuilder::default()
            .filters(&filters(&[("label", label.to_string()), ("dangling", "true".to_string())]))
            .build();
        let list = self.docker.list_images(Some(opts)).await.map_err(self.err("cannot list images"))?;
        let mut removed = 0;
        for img in list {
            if self.docker.remove_image(&img.id, None::<bollard::query_parameters::RemoveImageOptions>, None).await.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Images that carry the kit's label.
    pub async fn kit_images(&self, label: &str) -> Result<Vec<KitImage>> {
        let opts = ListImagesOptionsBuilder::default().filters(&filters(&[("label", label.to_string())])).build();
        let list = self.docker.list_images(Some(opts)).await.map_err(self.err("cannot list images"))?;
        Ok(list.into_iter().map(|i| KitImage { tags: i.repo_tags, id: i.id, size: i.size, created: i.created, labels: i.labels }).collect())
    }
}

impl Engine {
    /// Tag `image` as `target` (`HOST:PORT/bdprov/spark:4.3.0`) and push it.
    /// `log` gets a line per layer event worth showing.
    pub async fn push(&self, image: &str, target: &str, log: &dyn Fn(&str)) -> Result<()> {
        let (repo, tag) = target.rsplit_once(':').filter(|(_, t)| !t.contains('/')).unwrap_or((target, "latest"));
        let opts = bollard::query_parameters::TagImageOptionsBuilder::default().repo(repo).tag(tag).build();
        self.docker.tag_image(image, Some(opts)).await.map_err(self.err(&format!("cannot tag {image} as {target}")))?;
        let opts = bollard::query_parameters::PushImageOptionsBuilder::default().tag(tag).build();
        let mut s = self.docker.push_image(repo, Some(opts), None);
        while let Some(item) = s.next().await {
            let info = item.map_err(|e| {
                Error::help(
                    format!("cannot push {target}: {e}"),
                    "is the registry running (`bdprov up registry`) and, for an address other than 127.0.0.1, listed in the engine's insecure-registries?",
                )
            })?;
            if let (Some(status), None) = (info.status, info.progress_detail.as_ref().and_then(|d| d.current)) {
                log(&status);
            }
        }
        Ok(())
    }
}
